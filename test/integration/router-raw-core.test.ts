// The raw core's framing over real sockets: bodies split across packets, pipelining, keep-alive
// connections closed by the backend, answers without bodies, answers delimited by close, and the
// hand-over of unusual requests to node:http — with raw TCP on both sides where framing matters.
import { createHash } from "node:crypto";
import { connect, createServer, type Server, type Socket } from "node:net";
import { Writable } from "node:stream";
import { request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { startRouter } from "../../src/router/server.js";
import { routerProject, servicesYaml, startBackend } from "../support/router.js";

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (stops.length) await stops.pop()!();
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function router(urls: string[], yamlRouter: string[] = [], log?: string[]) {
  const started = await startRouter({
    project: routerProject(servicesYaml({ echo: [] }, yamlRouter)),
    token: "t",
    healthCheckIntervalMs: 0,
    accessLog: log
      ? new Writable({
          write(chunk, _encoding, callback) {
            log.push(String(chunk));
            callback();
          },
        })
      : undefined,
  });
  stops.push(() => started.close());
  for (const [replica, url] of urls.entries())
    started.registry.register({ id: `echo-${replica}`, service: "echo", replica, url, state: "ready" });
  return started;
}

interface RawRequest {
  head: string;
  body: Buffer;
  /** Which request this is on its connection (0 for the first). */
  index: number;
}

/** A backend on plain TCP: it parses requests (Content-Length bodies) and lets the test write any bytes. */
async function rawBackend(answer: (socket: Socket, request: RawRequest) => void) {
  const state = { connections: 0, requests: 0, port: 0, url: "" };
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    state.connections += 1;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    let buffer = Buffer.alloc(0);
    let index = 0;
    socket.on("data", (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const end = buffer.indexOf("\r\n\r\n");
        if (end < 0) return;
        const head = buffer.toString("latin1", 0, end);
        const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (buffer.length < end + 4 + length) return;
        const body = buffer.subarray(end + 4, end + 4 + length);
        buffer = buffer.subarray(end + 4 + length);
        state.requests += 1;
        answer(socket, { head, body, index: index++ });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.port = (server.address() as { port: number }).port;
  state.url = `http://127.0.0.1:${state.port}`;
  stops.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return state;
}

interface Parsed {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Parses one response at the start of `buffer`; undefined until it is complete. */
function parseResponse(
  buffer: Buffer,
  method: string,
  closed: boolean,
): { response: Parsed; used: number } | undefined {
  const end = buffer.indexOf("\r\n\r\n");
  if (end < 0) return undefined;
  const [line, ...lines] = buffer.toString("latin1", 0, end).split("\r\n");
  const status = Number(line!.split(" ")[1]);
  const headers: Record<string, string> = {};
  for (const each of lines) {
    const colon = each.indexOf(":");
    headers[each.slice(0, colon).toLowerCase()] = each.slice(colon + 1).trim();
  }
  const start = end + 4;
  if (method === "HEAD" || status === 204 || status === 304 || status < 200)
    return { response: { status, headers, body: "" }, used: start };
  if (headers["transfer-encoding"]?.includes("chunked")) {
    const parts: Buffer[] = [];
    let position = start;
    for (;;) {
      const lineEnd = buffer.indexOf("\r\n", position);
      if (lineEnd < 0) return undefined;
      const size = Number.parseInt(buffer.toString("latin1", position, lineEnd), 16);
      if (size === 0) {
        if (buffer.length < lineEnd + 4) return undefined;
        return { response: { status, headers, body: Buffer.concat(parts).toString() }, used: lineEnd + 4 };
      }
      if (buffer.length < lineEnd + 2 + size + 2) return undefined;
      parts.push(buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
      position = lineEnd + 2 + size + 2;
    }
  }
  if (headers["content-length"] !== undefined) {
    const length = Number(headers["content-length"]);
    if (buffer.length < start + length) return undefined;
    return {
      response: { status, headers, body: buffer.toString("utf8", start, start + length) },
      used: start + length,
    };
  }
  if (!closed) return undefined;
  return { response: { status, headers, body: buffer.toString("utf8", start) }, used: buffer.length };
}

/** A client on plain TCP: writes bytes, reads responses in order (one per method given). */
function rawClient(port: number) {
  const socket = connect(port, "127.0.0.1");
  let buffer = Buffer.alloc(0);
  let closed = false;
  let wake: () => void = () => undefined;
  socket.on("data", (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    wake();
  });
  socket.on("close", () => {
    closed = true;
    wake();
  });
  socket.on("error", () => undefined);
  stops.push(async () => {
    socket.destroy();
  });
  return {
    socket,
    get closed() {
      return closed;
    },
    write: (text: string | Buffer) => new Promise<void>((resolve) => socket.write(text, () => resolve())),
    async read(...methods: string[]): Promise<Parsed[]> {
      const found: Parsed[] = [];
      const deadline = Date.now() + 5_000;
      while (found.length < methods.length) {
        const next = parseResponse(buffer, methods[found.length]!, closed);
        if (next) {
          found.push(next.response);
          buffer = buffer.subarray(next.used);
          continue;
        }
        if (closed || Date.now() > deadline)
          throw new Error(`got ${found.length} of ${methods.length} responses; left: ${buffer.toString()}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 100);
        });
      }
      return found;
    },
  };
}

const get = (path: string, extra = "") => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extra}\r\n`;

describe("raw core framing", () => {
  it("carries a chunked request body and a chunked answer split across many packets", async () => {
    const backend = await startBackend("echo", (req, res) => {
      const parts: Buffer[] = [];
      req.on("data", (chunk: Buffer) => parts.push(chunk));
      req.on("end", () => {
        res.writeHead(200, { "content-type": "text/plain" });
        res.write("got:");
        setTimeout(() => res.end(Buffer.concat(parts)), 30);
      });
    });
    const target = await router([backend.url]);
    const client = rawClient(target.port);
    await client.write("POST /echo/up HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n");
    const framed = "5\r\nhello\r\n7;x=y\r\n, world\r\n0\r\n\r\n";
    for (let at = 0; at < framed.length; at += 3) {
      await client.write(framed.slice(at, at + 3));
      await sleep(2);
    }
    const [answer] = await client.read("POST");
    expect(answer).toMatchObject({ status: 200, body: "got:hello, world" });
    expect(answer!.headers["transfer-encoding"]).toBe("chunked");
    expect(answer!.headers["x-agentctl-instance"]).toBe("echo-0");

    // An answer whose chunked framing arrives a few bytes at a time ends where it should: the next
    // request on the same connections is answered in step.
    const pieces = [
      "HTTP/1.1 200 OK\r\nTransfer-",
      "Encoding: chunked\r\n\r\n4\r",
      "\nabcd\r\n",
      "3\r\nef",
      "g\r\n0\r",
      "\n\r\n",
    ];
    const slow = await rawBackend(async (socket, { index }) => {
      if (index > 0) return void socket.write("HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nnext");
      for (const piece of pieces) {
        socket.write(piece);
        await sleep(15);
      }
    });
    const second = await router([slow.url]);
    const other = rawClient(second.port);
    await other.write(get("/echo/a"));
    expect((await other.read("GET"))[0]).toMatchObject({ status: 200, body: "abcdefg" });
    await other.write(get("/echo/b"));
    expect((await other.read("GET"))[0]).toMatchObject({ status: 200, body: "next" });
    expect(slow.connections).toBe(1);
  });

  it("answers pipelined requests in order, each with its own request id", async () => {
    const backend = await startBackend("echo");
    const target = await router([backend.url]);
    const client = rawClient(target.port);
    await client.write(
      get("/echo/a", "X-Request-Id: first\r\n") +
        get("/echo/b") +
        "POST /echo/c HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\n\r\nabc" +
        get("/echo/d"),
    );
    const answers = await client.read("GET", "GET", "POST", "GET");
    expect(answers.map((answer) => JSON.parse(answer.body).path)).toEqual(["/a", "/b", "/c", "/d"]);
    expect(answers.map((answer) => JSON.parse(answer.body).method)).toEqual(["GET", "GET", "POST", "GET"]);
    expect(answers[0]!.headers["x-request-id"]).toBe("first");
    expect(new Set(answers.map((answer) => answer.headers["x-request-id"])).size).toBe(4);
    expect(client.closed).toBe(false);
  });

  it("retries a GET whose keep-alive connection the backend closed, and answers 502 to such a POST", async () => {
    // The first instance answers the first request on each connection and drops the connection at
    // the next one, without a word: what a backend closing an idle keep-alive socket looks like.
    const dropped = { count: 0, answered: 0 };
    const closer = await rawBackend((socket, { index }) => {
      if (index === 0) {
        dropped.answered += 1;
        socket.write('HTTP/1.1 200 OK\r\ncontent-length: 8\r\n\r\n"closer"');
      } else {
        dropped.count += 1;
        socket.destroy();
      }
    });
    const good = await startBackend("good");
    stops.push(() => good.close());
    const log: string[] = [];
    const target = await router([closer.url, good.url], ["retries: 2", "breaker:", "  failures: 100"], log);
    for (let i = 0; i < 8; i++) {
      const answer = await request(`${target.url}/echo/x`);
      expect(answer.statusCode).toBe(200);
      await answer.body.dump();
    }
    expect(dropped.count).toBeGreaterThan(0);
    const retried = log.map((line) => JSON.parse(line)).filter((entry) => entry.attempts === 2);
    expect(retried.length).toBe(dropped.count);

    dropped.count = 0;
    dropped.answered = 0;
    good.hits = 0;
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const answer = await request(`${target.url}/echo/x`, { method: "POST", body: "{}" });
      statuses.push(answer.statusCode);
      await answer.body.dump();
    }
    expect(dropped.count).toBeGreaterThan(0);
    // Each POST reached one backend once; those dropped by the first instance were not sent again.
    expect(statuses.filter((status) => status === 502).length).toBe(dropped.count);
    expect(good.hits + dropped.answered).toBe(statuses.filter((status) => status === 200).length);
    expect(good.hits + dropped.answered + dropped.count).toBe(8);
  });

  it("answers pipelined requests sent before the client half-closes, and 400 to a body cut short", async () => {
    const backend = await startBackend("echo");
    const target = await router([backend.url]);
    const client = rawClient(target.port);
    client.socket.end(get("/echo/a") + get("/echo/b"));
    const answers = await client.read("GET", "GET");
    expect(answers.map((answer) => JSON.parse(answer.body).path)).toEqual(["/a", "/b"]);

    const cut = rawClient(target.port);
    cut.socket.end("POST /echo/p HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n\r\nabc");
    expect((await cut.read("POST"))[0]!.status).toBe(400);
    // The POST streamed: the backend had its head before the body was cut, and lost the connection.
    expect(backend.hits).toBe(3);
    expect(target.snapshot()[0]!.instances[0]!.inflight).toBe(0);
  });

  it("knows HEAD, 204 and 304 answers have no body, and keeps both connections in step after them", async () => {
    const backend = await rawBackend((socket, { head }) => {
      const path = head.split(" ")[1];
      if (head.startsWith("HEAD")) socket.write("HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n");
      else if (path === "/empty") socket.write("HTTP/1.1 204 No Content\r\n\r\n");
      else if (path === "/same")
        socket.write("HTTP/1.1 304 Not Modified\r\ncontent-length: 50\r\netag: x\r\n\r\n");
      else socket.write("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nafter");
    });
    const target = await router([backend.url]);
    const client = rawClient(target.port);
    await client.write(
      `HEAD /echo/h HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n${get("/echo/empty")}${get("/echo/same")}${get("/echo/after")}`,
    );
    const answers = await client.read("HEAD", "GET", "GET", "GET");
    expect(answers.map((answer) => answer.status)).toEqual([200, 204, 304, 200]);
    expect(answers[0]!.headers["content-length"]).toBe("100");
    expect(answers[2]!.headers.etag).toBe("x");
    expect(answers[3]!.body).toBe("after");
    expect(backend.connections).toBe(1);
  });

  it("passes an answer delimited by the backend's close, then closes the client connection", async () => {
    const backend = await rawBackend(async (socket) => {
      socket.write("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nfirst part, ");
      await sleep(50);
      socket.end("second part");
    });
    const target = await router([backend.url]);
    const client = rawClient(target.port);
    await client.write(get("/echo/stream"));
    const [answer] = await client.read("GET");
    expect(answer).toMatchObject({ status: 200, body: "first part, second part" });
    expect(answer!.headers.connection).toBe("close");
    expect(client.closed).toBe(true);
    const snapshot = target.snapshot()[0]!.instances[0]!;
    expect(snapshot).toMatchObject({ inflight: 0, breaker: "closed" });
  });

  it("passes large answers byte for byte, side by side, to fast clients and to one that stops reading", async () => {
    // Each answer is 3 MiB of bytes that depend on its seed, sent in pieces of odd sizes, with a
    // length or chunked. The router reads each instance connection into one reused buffer and copies
    // out what it passes on, so answers read at the same time must not borrow each other's bytes.
    const size = 3 * 1024 * 1024;
    const pattern = (seed: number) => {
      const bytes = Buffer.allocUnsafe(size);
      let x = seed * 2654435761;
      for (let at = 0; at < size; at++) {
        x = (x * 1103515245 + 12345) >>> 0;
        bytes[at] = x >>> 24;
      }
      return bytes;
    };
    const digest = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");
    const backend = await startBackend("echo", async (req, res) => {
      req.resume();
      const url = new URL(req.url!, "http://x");
      const bytes = pattern(Number(url.searchParams.get("seed")));
      const chunked = url.searchParams.has("chunked");
      res.writeHead(200, chunked ? {} : { "content-length": String(size) });
      for (let at = 0, piece = 1000; at < size; at += piece, piece = (piece * 7) % 90_001 || 1) {
        if (!res.write(bytes.subarray(at, at + piece)))
          await new Promise((resolve) => res.once("drain", resolve));
      }
      res.end();
    });
    const target = await router([backend.url]);

    // A client that reads nothing for a while: the router must hold back (pause the instance), not
    // buffer the whole answer or drop bytes.
    const slow = connect(target.port, "127.0.0.1");
    stops.push(async () => void slow.destroy());
    slow.pause();
    slow.write(get("/echo/big?seed=99&chunked"));
    const fast = [1, 2, 3, 4].map(async (seed) => {
      const answer = await request(
        `http://127.0.0.1:${target.port}/echo/big?seed=${seed}${seed % 2 ? "&chunked" : ""}`,
      );
      const body = Buffer.from(await answer.body.arrayBuffer());
      expect(answer.statusCode).toBe(200);
      expect(body.length).toBe(size);
      expect(digest(body)).toBe(digest(pattern(seed)));
    });
    await Promise.all(fast);
    await sleep(200);
    const received: Buffer[] = [];
    const done = new Promise<void>((resolve) => {
      slow.on("data", (chunk: Buffer) => {
        received.push(chunk);
        if (Buffer.concat(received).includes("\r\n0\r\n\r\n")) resolve();
      });
    });
    slow.resume();
    await done;
    const whole = Buffer.concat(received);
    const parsed = parseResponse(whole, "GET", false)!;
    expect(parsed.response.status).toBe(200);
    // parseResponse decodes the chunked body as text; compare the raw bytes instead.
    const bodyStart = whole.indexOf("\r\n\r\n") + 4;
    const parts: Buffer[] = [];
    for (let at = bodyStart; ; ) {
      const lineEnd = whole.indexOf("\r\n", at);
      const length = Number.parseInt(whole.toString("latin1", at, lineEnd), 16);
      if (length === 0) break;
      parts.push(whole.subarray(lineEnd + 2, lineEnd + 2 + length));
      at = lineEnd + 2 + length + 2;
    }
    expect(digest(Buffer.concat(parts))).toBe(digest(pattern(99)));
  });

  it("hands the admin API, Expect: 100-continue and HTTP/1.0 to node:http, on the same connection", async () => {
    const backend = await startBackend("echo");
    const target = await router([backend.url]);
    const client = rawClient(target.port);
    await client.write(get("/echo/first"));
    expect(JSON.parse((await client.read("GET"))[0]!.body).path).toBe("/first");
    await client.write(get("/_agentctl/health"));
    expect((await client.read("GET"))[0]).toMatchObject({ status: 200, body: '{"ok":true}\n' });
    await client.write(get("/echo/after-admin"));
    expect(JSON.parse((await client.read("GET"))[0]!.body).path).toBe("/after-admin");

    const expecting = rawClient(target.port);
    await expecting.write(
      "POST /echo/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n",
    );
    const [go] = await expecting.read("POST");
    expect(go!.status).toBe(100);
    await expecting.write("hello");
    const [done] = await expecting.read("POST");
    expect(done!.status).toBe(200);
    expect(JSON.parse(done!.body)).toMatchObject({ path: "/upload", method: "POST" });

    const old = rawClient(target.port);
    await old.write("GET /echo/old HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
    const [answer] = await old.read("GET");
    expect(JSON.parse(answer!.body).path).toBe("/old");
    expect(answer!.headers["x-agentctl-instance"]).toBe("echo-0");
  });
});
