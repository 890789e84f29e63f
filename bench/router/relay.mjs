// Context, not a proxy: what node:net alone costs for relaying. Each client connection gets its own
// connection to a backend (the backends given as arguments, taken in turn) and bytes are piped both
// ways untouched: no HTTP parsing, routing, headers, pooling, breakers or metrics. No Node proxy can
// cost less per request than this; the router's distance to it is what its HTTP work and features cost.
import { connect, createServer } from "node:net";

const backends = process.argv.slice(2).map((url) => new URL(url));
let next = 0;
const server = createServer((client) => {
  const { hostname, port } = backends[next++ % backends.length];
  const upstream = connect({ host: hostname, port: Number(port), noDelay: true });
  client.setNoDelay(true);
  client.pipe(upstream).pipe(client);
  client.on("error", () => upstream.destroy());
  upstream.on("error", () => client.destroy());
});
server.listen(0, "127.0.0.1", () => process.stdout.write(`listening ${server.address().port}\n`));
process.on("SIGTERM", () => process.exit(0));
