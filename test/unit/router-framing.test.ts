import { describe, expect, it } from "vitest";
import { ChunkedScanner, parseRequestHead, parseResponseHead } from "../../src/router/framing.js";

const head = (...lines: string[]) => lines.join("\r\n");

describe("parseRequestHead", () => {
  it("keeps end-to-end headers as sent and takes out hop-by-hop, framing and forwarding ones", () => {
    const parsed = parseRequestHead(
      head(
        "POST /echo/x?q=1 HTTP/1.1",
        "Host: echo.localhost:4000",
        "X-Custom: Yes",
        "Connection: keep-alive, X-Hop",
        "X-Hop: 1",
        "Keep-Alive: timeout=5",
        "Proxy-Authorization: secret",
        "TE: trailers",
        "Content-Length: 12",
        "X-Forwarded-For: 10.0.0.1",
        "X-Request-Id: abc",
        "Idempotency-Key: k1",
      ),
    );
    expect(parsed.unusual).toBeUndefined();
    expect(parsed).toMatchObject({
      method: "POST",
      url: "/echo/x?q=1",
      host: "echo.localhost:4000",
      contentLength: 12,
      chunked: false,
      close: false,
      requestId: "abc",
      forwardedFor: "10.0.0.1",
      idempotencyKey: true,
    });
    expect(parsed.lines).toBe("Host: echo.localhost:4000\r\nX-Custom: Yes\r\nIdempotency-Key: k1\r\n");
  });

  it("notes Connection: close and chunked bodies", () => {
    const parsed = parseRequestHead(
      head("PUT / HTTP/1.1", "host: a", "transfer-encoding: chunked", "connection: close"),
    );
    expect(parsed).toMatchObject({ chunked: true, contentLength: -1, close: true, unusual: undefined });
  });

  it.each([
    ["HTTP/1.0", head("GET / HTTP/1.0", "Host: a"), "not HTTP/1.1"],
    ["an upgrade", head("GET / HTTP/1.1", "Host: a", "Connection: Upgrade", "Upgrade: websocket"), "upgrade"],
    ["Expect", head("POST / HTTP/1.1", "Host: a", "Expect: 100-continue", "Content-Length: 1"), "expect"],
    ["no Host", head("GET / HTTP/1.1", "Accept: */*"), "no Host header"],
    [
      "two Content-Lengths",
      head("POST / HTTP/1.1", "Host: a", "Content-Length: 1", "Content-Length: 1"),
      "odd Content-Length",
    ],
    ["a bad Content-Length", head("POST / HTTP/1.1", "Host: a", "Content-Length: 1x"), "odd Content-Length"],
    [
      "both framings",
      head("POST / HTTP/1.1", "Host: a", "Content-Length: 3", "Transfer-Encoding: chunked"),
      "both Content-Length and chunked",
    ],
    [
      "another coding",
      head("POST / HTTP/1.1", "Host: a", "Transfer-Encoding: gzip, chunked"),
      "odd Transfer-Encoding",
    ],
    ["a folded line", head("GET / HTTP/1.1", "Host: a", "X-A: 1", " continued"), "malformed header line"],
    ["a space before the colon", head("GET / HTTP/1.1", "Host : a"), "malformed header name"],
    ["an absolute URL", head("GET http://a/ HTTP/1.1", "Host: a"), "not origin-form"],
  ])("leaves %s to node:http", (_name, text, reason) => {
    expect(parseRequestHead(text).unusual).toBe(reason);
  });
});

describe("parseResponseHead", () => {
  it("frames by Content-Length and passes headers on without hop-by-hop ones or the router's own", () => {
    const parsed = parseResponseHead(
      head(
        "HTTP/1.1 201 Created",
        "Content-Type: text/plain",
        "Content-Length: 5",
        "Connection: x-hop",
        "X-Hop: 1",
        "Keep-Alive: timeout=5",
        "X-Request-Id: from-backend",
      ),
      "GET",
    );
    expect(parsed).toEqual({
      status: 201,
      statusLine: "HTTP/1.1 201 Created",
      lines: "Content-Type: text/plain\r\nContent-Length: 5\r\n",
      framing: "length",
      length: 5,
      reusable: true,
    });
  });

  it("knows the answers that carry no body whatever they declare", () => {
    expect(parseResponseHead(head("HTTP/1.1 200 OK", "Content-Length: 100"), "HEAD")?.framing).toBe("none");
    expect(parseResponseHead(head("HTTP/1.1 204 No Content"), "GET")?.framing).toBe("none");
    expect(parseResponseHead(head("HTTP/1.1 304 Not Modified", "Content-Length: 9"), "GET")?.framing).toBe(
      "none",
    );
    expect(parseResponseHead(head("HTTP/1.1 200 OK", "Content-Length: 0"), "GET")?.framing).toBe("none");
  });

  it("lets chunked win over Content-Length (which the client then does not see)", () => {
    const parsed = parseResponseHead(
      head("HTTP/1.1 200 OK", "Content-Length: 3", "Transfer-Encoding: chunked"),
      "GET",
    );
    expect(parsed).toMatchObject({
      framing: "chunked",
      lines: "Transfer-Encoding: chunked\r\n",
      reusable: true,
    });
  });

  it("reads to the close when nothing delimits the body, and never reuses such a connection", () => {
    expect(parseResponseHead(head("HTTP/1.1 200 OK", "Content-Type: text/plain"), "GET")).toMatchObject({
      framing: "close",
      reusable: false,
    });
    expect(parseResponseHead(head("HTTP/1.0 200 OK", "Content-Length: 2"), "GET")).toMatchObject({
      framing: "length",
      reusable: false,
      statusLine: "HTTP/1.1 200 OK",
    });
    expect(
      parseResponseHead(head("HTTP/1.1 200 OK", "Content-Length: 2", "Connection: close"), "GET"),
    ).toMatchObject({
      reusable: false,
    });
  });

  it("refuses heads that are not HTTP/1.x or have conflicting lengths", () => {
    expect(parseResponseHead("HTTP/2 200", "GET")).toBeUndefined();
    expect(
      parseResponseHead(head("HTTP/1.1 200 OK", "Content-Length: 2", "Content-Length: 3"), "GET"),
    ).toBeUndefined();
    expect(parseResponseHead(head("HTTP/1.1 200 OK", "no colon here"), "GET")).toBeUndefined();
  });
});

describe("ChunkedScanner", () => {
  const body = Buffer.from("5;ext=1\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-Trailer: yes\r\n\r\n");

  it("finds the end of a chunked body fed whole, and counts its data bytes", () => {
    const scanner = new ChunkedScanner();
    const extra = Buffer.concat([body, Buffer.from("GET /next")]);
    expect(scanner.scan(extra, 0)).toBe(body.length);
    expect(scanner.done).toBe(true);
    expect(scanner.dataBytes).toBe(15);
  });

  it("finds the same end however the body is split across packets", () => {
    for (let cut = 1; cut < body.length; cut++) {
      for (const size of [1, 2, 3, 7]) {
        const scanner = new ChunkedScanner();
        let used = scanner.scan(body.subarray(0, cut), 0);
        for (let offset = cut; offset < body.length && !scanner.done; offset += size)
          used += scanner.scan(body.subarray(offset, Math.min(body.length, offset + size)), 0);
        expect(scanner.done, `cut ${cut} size ${size}`).toBe(true);
        expect(used).toBe(body.length);
      }
    }
  });

  it("scans from an offset inside a buffer", () => {
    const scanner = new ChunkedScanner();
    const framed = Buffer.concat([Buffer.from("HEAD"), Buffer.from("0\r\n\r\n")]);
    expect(scanner.scan(framed, 4)).toBe(5);
    expect(scanner.done).toBe(true);
  });

  it("reports broken framing", () => {
    expect(new ChunkedScanner().scan(Buffer.from("zz\r\n"), 0)).toBe(-1);
    expect(new ChunkedScanner().scan(Buffer.from("\r\n"), 0)).toBe(-1);
    expect(new ChunkedScanner().scan(Buffer.from("1\r\nab\r\n"), 0)).toBe(-1);
    expect(new ChunkedScanner().scan(Buffer.from("1234567890abc\r\n"), 0)).toBe(-1);
  });
});
