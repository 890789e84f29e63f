// WebSocket (and any other HTTP/1.1 Upgrade) pass-through: the handshake is forwarded to a ready
// instance over a fresh TCP connection, and after the backend's 101 the two sockets are piped
// together byte for byte; the router never parses frames.
import type { IncomingMessage } from "node:http";
import { connect, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { routerInstanceName } from "./answer.js";
import { forwardRequestHeaders } from "./headers.js";
import type { ProxyContext } from "./proxy.js";
import { resolveRoute } from "./route.js";

/** Forwards an upgrade request; answers 404/503 itself when there is nowhere to send it. */
export function proxyUpgrade(
  request: IncomingMessage,
  client: Duplex,
  head: Buffer,
  context: ProxyContext,
): void {
  const requestId =
    (request.headers["x-request-id"] as string | undefined) || `ws-${Date.now().toString(36)}`;
  const { service, path } = resolveRoute(request.headers.host, request.url ?? "/", context.routes);
  const candidates = context.ready(service).filter((target) => target.circuit.allows());
  const target = context.balancer(service).pick(candidates);
  if (!target) {
    const status = context.knownServices().includes(service) ? "503 Service Unavailable" : "404 Not Found";
    client.end(
      `HTTP/1.1 ${status}\r\nx-agentctl-instance: ${routerInstanceName}\r\nx-request-id: ${requestId}\r\nretry-after: 1\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`,
    );
    return;
  }
  const headers = forwardRequestHeaders(request, requestId);
  // The upgrade itself is hop-by-hop but is exactly what this hop must carry.
  headers.connection = "Upgrade";
  headers.upgrade = request.headers.upgrade ?? "websocket";
  const address = new URL(target.instance.url);
  const upstream: Socket = connect({ host: address.hostname, port: Number(address.port) || 80 });
  target.inflight += 1;
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    target.inflight -= 1;
    client.destroy();
    upstream.destroy();
  };
  upstream.on("connect", () => {
    target.circuit.success();
    let text = `${request.method ?? "GET"} ${path} HTTP/1.1\r\n`;
    for (const [name, value] of Object.entries(headers))
      for (const item of Array.isArray(value) ? value : [value]) text += `${name}: ${item}\r\n`;
    upstream.write(`${text}\r\n`);
    if (head.length) upstream.write(head);
    // The backend's 101 response carries its own headers; the instance name is added to it so a
    // client can still see who served it.
    upstream.once("data", (chunk: Buffer) => {
      const end = chunk.indexOf("\r\n");
      client.write(
        end > 0
          ? Buffer.concat([
              chunk.subarray(0, end + 2),
              Buffer.from(`x-agentctl-instance: ${target.id}\r\nx-request-id: ${requestId}\r\n`),
              chunk.subarray(end + 2),
            ])
          : chunk,
      );
      upstream.pipe(client);
    });
    client.pipe(upstream);
  });
  upstream.on("error", () => {
    if (!done && upstream.bytesRead === 0) {
      target.circuit.failure();
      client.end(
        `HTTP/1.1 502 Bad Gateway\r\nx-agentctl-instance: ${target.id}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`,
      );
      return;
    }
    finish();
  });
  upstream.on("close", () => {
    if (upstream.bytesRead === 0 && !done) {
      done = true;
      target.inflight -= 1;
      if (!client.writableEnded) client.destroy();
      return;
    }
    finish();
  });
  client.on("error", finish);
  client.on("close", finish);
}
