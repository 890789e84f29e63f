// What the docker backend asks the engine for, as data (no engine needed): a container's environment
// (declared variables only, discovery rewritten for the project network, unreachable services left out),
// its create options (names, labels, loopback-only publishing, aliases, limits) and the bundle image's
// Dockerfile and content hash.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bundleDockerfile, contextFiles, contextHash } from "../../src/build/image-context.js";
import type { ResolvedProject } from "../../src/project/resolve.js";
import {
  containerCreateOptions,
  containerEnvironment,
  omissionWarnings,
  parseSupervisorLabel,
  supervisorLabel,
} from "../../src/runtime/docker-spec.js";
import { loadText } from "../support/project-source.js";

const source = `name: shop
defaults: { runtime: docker }
services:
  api:
    entry: api.ts
    replicas: 2
    env: { GREETING: hi }
    secrets: [API_KEY]
    subscribe: [orders]
    resources: { limits: { cpu: 500m, memory: 256Mi } }
    dependsOn: [db]
  web:
    image: web:1
    port: 5000
    command: node server.js --fast
  legacy:
    runtime: process
    command: [node, legacy.mjs]
resources:
  db: { kind: postgres, external: "postgres://db.example:5432/shop" }
`;

function project(): ResolvedProject {
  const loaded = loadText(source);
  expect(loaded.errors).toEqual([]);
  return loaded.project!;
}

const temp = mkdtempSync(join(tmpdir(), "agentctl-docker-spec-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe("containerEnvironment", () => {
  it("keeps what the project declares, drops the host's variables, rewrites discovery for the network", () => {
    const shop = project();
    const api = shop.services.find((s) => s.name === "api")!;
    const { env, omitted } = containerEnvironment({
      project: shop,
      service: api,
      env: {
        HOME: "/home/me",
        PATH: "/usr/bin",
        DATABASE_URL: "postgres://db.example:5432/shop",
        AGENTCTL_SERVICE_DB_URL: "postgres://db.example:5432/shop",
        HOST: "127.0.0.1",
        GREETING: "hi",
        API_KEY: "s3cret",
        SUBSCRIBE: "orders",
        PORT: "41001",
        AGENTCTL_INSTANCE: "api-1",
        AGENTCTL_SERVICE: "api",
        AGENTCTL_PROJECT: "shop",
        AGENTCTL_SERVICE_API_URL: "http://127.0.0.1:4000/api",
        AGENTCTL_SERVICE_WEB_URL: "http://127.0.0.1:41002",
        AGENTCTL_SERVICE_LEGACY_URL: "http://127.0.0.1:41003",
      },
    });
    expect(env).toEqual({
      AGENTCTL_INSTANCE: "api-1",
      AGENTCTL_PROJECT: "shop",
      AGENTCTL_SERVICE_DB_URL: "postgres://db.example:5432/shop",
      AGENTCTL_SERVICE: "api",
      AGENTCTL_SERVICE_API_URL: "http://api:8080",
      AGENTCTL_SERVICE_WEB_URL: "http://web:5000",
      API_KEY: "s3cret",
      DATABASE_URL: "postgres://db.example:5432/shop",
      GREETING: "hi",
      HOST: "0.0.0.0",
      PORT: "8080",
      SUBSCRIBE: "orders",
    });
    expect(omitted).toEqual([{ variable: "AGENTCTL_SERVICE_LEGACY_URL", service: "legacy", why: "process" }]);
  });

  it("warns once, naming the variables a container cannot use", () => {
    expect(
      omissionWarnings([
        { variable: "AGENTCTL_SERVICE_LEGACY_URL", service: "legacy", why: "process" },
        { variable: "AGENTCTL_SERVICE_OLD_URL", service: "old", why: "process" },
      ]),
    ).toEqual([
      "agentctl: warning: AGENTCTL_SERVICE_LEGACY_URL, AGENTCTL_SERVICE_OLD_URL left out of this container: those services run as processes on the host, whose 127.0.0.1 a container cannot reach (run them on docker to call them from here)",
    ]);
  });
});

describe("containerCreateOptions", () => {
  it("names, labels, publishes the listen port on 127.0.0.1 only, and gives every replica the service alias", () => {
    const shop = project();
    const api = shop.services.find((s) => s.name === "api")!;
    const common = {
      project: shop,
      service: api,
      image: "agentctl-shop-api:0123456789ab",
      supervisor: "42:7",
    };
    const zero = containerCreateOptions({
      ...common,
      replica: 0,
      instance: "api-0",
      port: 41000,
      env: { A: "1" },
    });
    expect(zero).toMatchObject({
      name: "agentctl-shop-api-0",
      Image: "agentctl-shop-api:0123456789ab",
      Cmd: undefined,
      Env: ["A=1"],
      Labels: {
        "agentctl.project": "shop",
        "agentctl.service": "api",
        "agentctl.replica": "0",
        "agentctl.instance": "api-0",
        "agentctl.state-dir": "/virtual/.agentctl",
        "agentctl.supervisor": "42:7",
      },
      ExposedPorts: { "8080/tcp": {} },
      HostConfig: {
        PortBindings: { "8080/tcp": [{ HostIp: "127.0.0.1", HostPort: "41000" }] },
        NetworkMode: "agentctl-shop",
        Init: true,
        Memory: 256 * 1024 * 1024,
        NanoCpus: 500_000_000,
      },
      NetworkingConfig: { EndpointsConfig: { "agentctl-shop": { Aliases: ["api", "api-0"] } } },
    });
    const one = containerCreateOptions({ ...common, replica: 1, instance: "api-1", port: 41001, env: {} });
    expect(one.NetworkingConfig?.EndpointsConfig?.["agentctl-shop"]?.Aliases).toEqual(["api", "api-1"]);
    expect(one.HostConfig?.PortBindings).toEqual({
      "8080/tcp": [{ HostIp: "127.0.0.1", HostPort: "41001" }],
    });
    const web = shop.services.find((s) => s.name === "web")!;
    const shell = containerCreateOptions({
      ...common,
      service: web,
      replica: 0,
      instance: "web-0",
      port: 5000,
      env: {},
    });
    expect(shell.Cmd).toEqual(["/bin/sh", "-c", "node server.js --fast"]);
    // A configured port is where the image listens, inside as outside.
    expect(shell.ExposedPorts).toEqual({ "5000/tcp": {} });
  });

  it("reads back the supervisor label it writes", () => {
    expect(parseSupervisorLabel(supervisorLabel(1234, 987))).toEqual({ pid: 1234, startTime: 987 });
    expect(parseSupervisorLabel(supervisorLabel(1234, undefined))).toEqual({
      pid: 1234,
      startTime: undefined,
    });
    expect(parseSupervisorLabel("garbage")).toBeUndefined();
  });
});

describe("image contexts", () => {
  it("writes the bundle Dockerfile on BASE_IMAGE, running node on index.mjs as uid 1000 in a writable folder", () => {
    expect(bundleDockerfile()).toContain("ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\n");
    expect(bundleDockerfile()).toContain('USER 1000:1000\nWORKDIR /tmp\nCMD ["node", "/app/index.mjs"]\n');
  });

  it("hashes contents and parameters: same inputs same hash, any change another", async () => {
    const dir = mkdtempSync(join(temp, "context-"));
    writeFileSync(join(dir, "Dockerfile"), "FROM scratch\n");
    writeFileSync(join(dir, "index.mjs"), "console.log(1)\n");
    const files = await contextFiles(dir);
    expect(files).toEqual(["Dockerfile", "index.mjs"]);
    const first = await contextHash(dir, files, { base: "sha256:aaa" });
    expect(await contextHash(dir, files, { base: "sha256:aaa" })).toBe(first);
    expect(await contextHash(dir, files, { base: "sha256:bbb" })).not.toBe(first);
    writeFileSync(join(dir, "index.mjs"), "console.log(2)\n");
    expect(await contextHash(dir, files, { base: "sha256:aaa" })).not.toBe(first);
  });
});
