// Postgres and NATS resources run by up from the host's programs: the URL a service gets works with
// each protocol as a client speaks it (a raw postgres handshake and query, a NATS publish/subscribe),
// postgres's data survives down/up, and each stops after the service that uses it.
import { chmodSync, existsSync, readdirSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { up } from "../../src/api/up.js";
import type { HostedProject } from "../../src/runtime/host.js";
import { readState } from "../../src/runtime/state.js";
import {
  copyRuntimeFixture,
  killLeftovers,
  loadProjectIn,
  recordedPids,
  waitGone,
} from "../support/runtime.js";

// A test that needs a server program skips loudly without it here, and fails in CI (which installs it).
function installed(program: string, extraDirs: string[] = []): boolean {
  const dirs = [
    ...(process.env.PATH ?? "").split(":"),
    "/usr/local/sbin",
    "/usr/sbin",
    "/sbin",
    ...extraDirs,
  ];
  return dirs.some((dir) => dir.startsWith("/") && existsSync(join(dir, program)));
}
const postgresDirs = existsSync("/usr/lib/postgresql")
  ? readdirSync("/usr/lib/postgresql").map((version) => join("/usr/lib/postgresql", version, "bin"))
  : [];
const ci = process.env.CI === "true";
const runsPostgres = ci || (installed("postgres", postgresDirs) && installed("initdb", postgresDirs));
const runsNats = ci || installed("nats-server");
if (!runsPostgres)
  console.warn(
    "SKIPPING the postgres resource test: postgres/initdb are not installed here (apt-get install postgresql)",
  );
if (!runsNats)
  console.warn(
    "SKIPPING the nats resource test: nats-server is not installed here (apt-get install nats-server)",
  );

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fixture(name: string): Promise<string> {
  const temp = await copyRuntimeFixture(name);
  // As root, agentctl runs postgres as the postgres user, who must be able to reach the project.
  chmodSync(temp.dir, 0o755);
  cleanups.push(async () => {
    killLeftovers(await recordedPids(temp.dir));
    killLeftovers((readState(join(temp.dir, ".agentctl"))?.instances ?? []).flatMap((i) => i.pid ?? []));
    await temp.remove();
  });
  return temp.dir;
}

async function upWithLines(
  dir: string,
  events: string[],
): Promise<{ hosted: HostedProject; lines: string[] }> {
  const lines: string[] = [];
  const hosted = await up(loadProjectIn(dir), {
    onLine: (line) => lines.push(`${line.service}-${line.replica} ${line.text}`),
    onInstanceChange: (i) => events.push(`${i.id} ${i.state}`),
  });
  cleanups.push(() => hosted.shutdown());
  return { hosted, lines };
}

/** The value app-0 printed for a discovery variable (fixtures/bin/http-service.mjs prints them). */
function printed(lines: string[], variable: string): string {
  const line = lines.find((l) => l.startsWith(`app-0 discovery ${variable}=`));
  if (!line) throw new Error(`app-0 printed no ${variable}; it printed:\n${lines.join("\n")}`);
  return line.slice(line.indexOf("=") + 1);
}

/** Opens a postgres session as a client would from a URL (trust auth) and runs simple queries. */
async function postgresQuery(url: string, sql: string): Promise<string[][]> {
  const target = new URL(url);
  const body = Buffer.from(
    `user\0${decodeURIComponent(target.username)}\0database\0${target.pathname.slice(1)}\0\0`,
  );
  const startup = Buffer.alloc(8 + body.length);
  startup.writeInt32BE(startup.length, 0);
  startup.writeInt32BE(196608, 4);
  body.copy(startup, 8);
  const text = Buffer.from(`${sql}\0`);
  const query = Buffer.alloc(5 + text.length);
  query.write("Q", 0);
  query.writeInt32BE(4 + text.length, 1);
  text.copy(query, 5);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: target.hostname, port: Number(target.port) });
    let received = Buffer.alloc(0);
    let queried = false;
    const rows: string[][] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error("postgres did not answer in time"));
    }, 5000);
    socket.on("connect", () => socket.write(startup));
    socket.on("error", reject);
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      while (received.length >= 5 && received.length >= 1 + received.readInt32BE(1)) {
        const type = String.fromCharCode(received[0]!);
        const message = received.subarray(5, 1 + received.readInt32BE(1));
        received = received.subarray(1 + received.readInt32BE(1));
        if (type === "E") {
          clearTimeout(timer);
          socket.destroy();
          return reject(new Error(`postgres error: ${message.toString("utf8").replace(/\0/g, " ")}`));
        }
        if (type === "D") rows.push(dataRow(message));
        if (type === "Z" && !queried) {
          queried = true;
          socket.write(query);
        } else if (type === "Z") {
          clearTimeout(timer);
          socket.end(Buffer.from([0x58, 0, 0, 0, 4]));
          return resolve(rows);
        }
      }
    });
  });
}

function dataRow(message: Buffer): string[] {
  const values: string[] = [];
  let offset = 2;
  for (let column = 0; column < message.readInt16BE(0); column++) {
    const length = message.readInt32BE(offset);
    offset += 4;
    values.push(length < 0 ? "" : message.subarray(offset, offset + length).toString("utf8"));
    offset += Math.max(0, length);
  }
  return values;
}

/** Subscribes, publishes and waits for the message to come back, over raw NATS protocol. */
function natsRoundTrip(url: string, subject: string, payload: string): Promise<string> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: target.hostname, port: Number(target.port) });
    let received = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no message back from nats: ${JSON.stringify(received)}`));
    }, 5000);
    socket.on("error", reject);
    socket.on("data", (chunk) => {
      received += chunk.toString("utf8");
      if (received.startsWith("INFO ") && !received.includes("\r\nSENT")) {
        received += "\r\nSENT";
        socket.write(
          `CONNECT {"verbose":false,"pedantic":false}\r\nSUB ${subject} 1\r\nPUB ${subject} ${Buffer.byteLength(payload)}\r\n${payload}\r\n`,
        );
      }
      const message = new RegExp(`MSG ${subject} 1 \\d+\\r\\n([^\\r]*)\\r\\n`).exec(received);
      if (message) {
        clearTimeout(timer);
        socket.end();
        resolve(message[1]!);
      }
    });
  });
}

describe.runIf(runsPostgres)("a postgres resource run by up", () => {
  it("creates the cluster once, gives a DATABASE_URL a client connects to, and keeps the data across down/up", async () => {
    const dir = await fixture("runtime-resources-postgres");
    const events: string[] = [];
    const first = await upWithLines(dir, events);
    const db = first.hosted.supervisor.list().find((i) => i.id === "db-0")!;
    expect(db).toMatchObject({ kind: "resource", resourceKind: "postgres", state: "ready" });
    expect(db.url).toBe(`postgres://agentctl@127.0.0.1:${db.port}/agentctl`);
    expect(printed(first.lines, "AGENTCTL_SERVICE_DB_URL")).toBe(db.url);
    expect(events.indexOf("db-0 ready")).toBeLessThan(events.indexOf("app-0 starting"));
    expect(first.lines.some((l) => l.startsWith("db-0 agentctl: creating a postgres cluster"))).toBe(true);

    expect(await postgresQuery(db.url, "SELECT current_user, current_database()")).toEqual([
      ["agentctl", "agentctl"],
    ]);
    await postgresQuery(db.url, "CREATE TABLE notes (body text); INSERT INTO notes VALUES ('kept')");
    const pid = db.pid!;
    await first.hosted.shutdown();
    expect(events.indexOf("app-0 stopped")).toBeLessThan(events.indexOf("db-0 stopped"));
    expect(await waitGone([pid], 10_000)).toEqual([]);
    expect(existsSync(join(dir, ".agentctl", "data", "db", "PG_VERSION"))).toBe(true);

    const second = await upWithLines(dir, []);
    const again = second.hosted.supervisor.list().find((i) => i.id === "db-0")!;
    expect(second.lines.some((l) => l.includes("creating a postgres cluster"))).toBe(false);
    expect(await postgresQuery(again.url, "SELECT body FROM notes")).toEqual([["kept"]]);
    await second.hosted.shutdown();
    expect(await waitGone([again.pid!], 10_000)).toEqual([]);
  });
});

describe.runIf(runsNats)("a nats resource run by up", () => {
  it("gives a NATS_URL that carries a message, and stops after the service", async () => {
    const dir = await fixture("runtime-resources-nats");
    const events: string[] = [];
    const { hosted, lines } = await upWithLines(dir, events);
    const bus = hosted.supervisor.list().find((i) => i.id === "bus-0")!;
    expect(bus).toMatchObject({ kind: "resource", resourceKind: "nats", state: "ready" });
    expect(printed(lines, "AGENTCTL_SERVICE_BUS_URL")).toBe(`nats://127.0.0.1:${bus.port}`);
    expect(events.indexOf("bus-0 ready")).toBeLessThan(events.indexOf("app-0 starting"));
    expect(await natsRoundTrip(bus.url, "greetings", "hello over nats")).toBe("hello over nats");
    await hosted.shutdown();
    expect(events.indexOf("app-0 stopped")).toBeLessThan(events.indexOf("bus-0 stopped"));
    expect(await waitGone([bus.pid!], 5000)).toEqual([]);
    expect(existsSync(join(dir, ".agentctl", "data", "bus"))).toBe(true);
  });
});
