// Benchmark backend: the smallest useful HTTP answer. Prints "listening <port>" when ready.
import { createServer } from "node:http";

const body = Buffer.from('{"ok":true}');
const server = createServer((request, response) => {
  request.resume();
  response.writeHead(200, { "content-type": "application/json", "content-length": body.length });
  response.end(body);
});
server.keepAliveTimeout = 65_000;
server.listen(0, "127.0.0.1", () => process.stdout.write(`listening ${server.address().port}\n`));
process.on("SIGTERM", () => process.exit(0));
