// The floor: a bare pass-through proxy on undici, round-robin over the backends given as arguments.
// No breakers, metrics, request ids or header rules; what any proxy on this stack costs at least.
import { createServer } from "node:http";
import { Pool } from "undici";

const pools = process.argv.slice(2).map((url) => new Pool(url, { pipelining: 1 }));
let next = 0;
const server = createServer(async (request, response) => {
  const pool = pools[next++ % pools.length];
  try {
    const upstream = await pool.request({
      path: request.url,
      method: request.method,
      headers: request.headers,
      body: request.method === "GET" || request.method === "HEAD" ? null : request,
    });
    response.writeHead(upstream.statusCode, upstream.headers);
    upstream.body.pipe(response);
  } catch (error) {
    response.writeHead(502);
    response.end(String(error));
  }
});
server.keepAliveTimeout = 65_000;
server.listen(0, "127.0.0.1", () => process.stdout.write(`listening ${server.address().port}\n`));
process.on("SIGTERM", () => process.exit(0));
