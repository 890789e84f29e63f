import { describe, expect, it } from "vitest";
import { Registry, type RegistryChange } from "../../src/router/registry.js";
import { resolveRoute, routeTable } from "../../src/router/route.js";

const table = routeTable([
  { name: "gateway", routes: ["/api"] },
  { name: "v2", routes: ["/api/v2/"] },
  { name: "agent", routes: [] },
]);

describe("resolveRoute", () => {
  it("takes the service from the first path segment and strips it", () => {
    expect(resolveRoute("127.0.0.1:4000", "/agent/chat?x=1", table)).toEqual({
      service: "agent",
      path: "/chat?x=1",
    });
    expect(resolveRoute(undefined, "/agent", table)).toEqual({ service: "agent", path: "/" });
    expect(resolveRoute(undefined, "/agent?x=1", table)).toEqual({ service: "agent", path: "/?x=1" });
    expect(resolveRoute(undefined, "/", table)).toEqual({ service: "", path: "/" });
  });

  it("takes the service from Host: <service>.localhost and keeps the path", () => {
    expect(resolveRoute("agent.localhost:4000", "/chat", table)).toEqual({ service: "agent", path: "/chat" });
    expect(resolveRoute("agent.localhost", "/api/x", table)).toEqual({ service: "agent", path: "/api/x" });
    expect(resolveRoute("localhost:4000", "/agent/x", table)).toEqual({ service: "agent", path: "/x" });
  });

  it("maps routes: prefixes at segment boundaries, longest first, keeping the prefix", () => {
    expect(resolveRoute(undefined, "/api/chat", table)).toEqual({ service: "gateway", path: "/api/chat" });
    expect(resolveRoute(undefined, "/api", table)).toEqual({ service: "gateway", path: "/api" });
    expect(resolveRoute(undefined, "/api?q=1", table)).toEqual({ service: "gateway", path: "/api?q=1" });
    expect(resolveRoute(undefined, "/api/v2/x", table)).toEqual({ service: "v2", path: "/api/v2/x" });
    expect(resolveRoute(undefined, "/apix/y", table)).toEqual({ service: "apix", path: "/y" });
  });
});

describe("Registry", () => {
  it("keeps ready instances per service, ordered by replica, and announces every change", () => {
    const registry = new Registry();
    const changes: string[] = [];
    registry.on("change", (change: RegistryChange) =>
      changes.push(`${change.type} ${change.instance.id} ${change.instance.state}`),
    );
    registry.register({ id: "a-1", service: "a", replica: 1, url: "http://127.0.0.1:2/", state: "ready" });
    registry.register({ id: "a-0", service: "a", replica: 0, url: "http://127.0.0.1:1", state: "starting" });
    expect(registry.ready("a").map((i) => i.id)).toEqual(["a-1"]);
    registry.update("a-0", { state: "ready" });
    expect(registry.ready("a").map((i) => i.id)).toEqual(["a-0", "a-1"]);
    expect(registry.get("a-1")?.url).toBe("http://127.0.0.1:2");
    registry.update("a-1", { state: "draining" });
    expect(registry.ready("a").map((i) => i.id)).toEqual(["a-0"]);
    expect(registry.deregister("a-0")?.id).toBe("a-0");
    expect(registry.deregister("a-0")).toBeUndefined();
    expect(registry.update("nope", { state: "ready" })).toBeUndefined();
    expect(registry.ready("a")).toEqual([]);
    expect(registry.services()).toEqual(["a"]);
    expect(registry.list().map((i) => [i.id, i.source])).toEqual([["a-1", "supervisor"]]);
    expect(changes).toEqual([
      "register a-1 ready",
      "register a-0 starting",
      "update a-0 ready",
      "update a-1 draining",
      "deregister a-0 ready",
    ]);
  });
});
