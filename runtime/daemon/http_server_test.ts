import assert from "node:assert/strict";
import { serveHttp } from "./http_server.ts";
import { request } from "./http_client.ts";
import { encodeFrame, FrameDecoder } from "./stream_framing.ts";

async function withServer(
  fn: (sock: string) => Promise<void>,
  handler: Parameters<typeof serveHttp>[1],
): Promise<void> {
  const dir = await Deno.makeTempDir();
  const sock = `${dir}/t.sock`;
  const server = serveHttp(Deno.listen({ transport: "unix", path: sock }), handler);
  try {
    await fn(sock);
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("serveHttp answers JSON and keeps the connection for a second request", async () => {
  await withServer(async (sock) => {
    const conn = await Deno.connect({ transport: "unix", path: sock });
    const enc = new TextEncoder();
    await conn.write(
      enc.encode(
        "GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi",
      ),
    );
    let text = "";
    const buf = new Uint8Array(4096);
    while (!text.includes('"/b"')) {
      const n = await conn.read(buf);
      if (n === null) break;
      text += new TextDecoder().decode(buf.subarray(0, n));
    }
    conn.close();
    assert.match(text, /HTTP\/1.1 200 OK[\s\S]*"\/a"[\s\S]*HTTP\/1.1 200 OK[\s\S]*"\/b","hi"/);
  }, async (req, res) => {
    const body = new TextDecoder().decode(await req.body());
    await res.json(200, body ? [req.path, body] : [req.path]);
  });
});

Deno.test("request() reads chunked streams and JSON errors", async () => {
  await withServer(async (sock) => {
    const r = await request(sock, "GET", "/stream");
    assert.equal(r.status, 200);
    assert.equal(await r.text(), "onetwo");
    const e = await request(sock, "GET", "/missing");
    assert.equal(e.status, 404);
    assert.deepEqual(await e.json(), { message: "page not found" });
  }, async (req, res) => {
    if (req.path !== "/stream") return;
    const w = await res.stream(200, "text/plain");
    await w.write("one");
    await w.write("two");
    await w.close();
  });
});

Deno.test("a hijacked connection carries raw frames both ways after 101", async () => {
  await withServer(async (sock) => {
    const r = await request(sock, "POST", "/attach", { upgrade: true });
    assert.equal(r.status, 101);
    await r.write(new TextEncoder().encode("ping"));
    const dec = new FrameDecoder();
    const got: string[] = [];
    for await (const piece of r.stream()) {
      for (const f of dec.push(piece)) got.push(`${f.stream}:${new TextDecoder().decode(f.data)}`);
    }
    assert.deepEqual(got, ["1:ping"]);
  }, async (_req, res) => {
    const conn = await res.hijack("application/vnd.docker.multiplexed-stream");
    const data = await conn.read();
    await conn.write(encodeFrame(1, data ?? new Uint8Array()));
    await conn.close();
  });
});

Deno.test("oversized and malformed requests get 4xx and the server survives", async () => {
  await withServer(async (sock) => {
    const big = await request(sock, "POST", "/x", { body: new Uint8Array(5 * 1024 * 1024) });
    assert.equal(big.status, 413);
    await big.bytes();
    for (
      const bad of [
        "NONSENSE\r\n\r\n",
        "GET /x HTTP/1.1\r\n: no name\r\n\r\n",
        "GET /x HTTP/1.1\r\nBad Name: x\r\n\r\n",
        "GET /x HTTP/1.1\r\nX: a\u0001b\r\n\r\n",
        "GET /x HTTP/1.1\r\nX: \u0100\r\n\r\n",
        "GET /x HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
      ]
    ) {
      const conn = await Deno.connect({ transport: "unix", path: sock });
      await conn.write(new TextEncoder().encode(bad));
      const buf = new Uint8Array(1024);
      const n = await conn.read(buf);
      assert.match(new TextDecoder().decode(buf.subarray(0, n ?? 0)), /^HTTP\/1.1 400/, bad);
      conn.close();
    }
    const ok = await request(sock, "GET", "/ok", { headers: { "X-A": "1", "x-a": "2" } });
    assert.equal(ok.status, 200);
    assert.equal(ok.header("X-Seen"), "1, 2");
    assert.equal(ok.headers.get("x-seen"), "1, 2");
    await ok.bytes();
  }, async (req, res) => {
    if (req.method === "POST") await req.body();
    await res.json(200, {}, { "X-Seen": req.headers.get("x-a") ?? "" });
  });
});

Deno.test("bodies larger than the read buffer arrive byte for byte, both ways", async () => {
  // The reader's buffer starts at 4 KiB and grows: a body of many reads, sent with a
  // Content-Length and chunked, must come through whole and in order.
  const body = new Uint8Array(300_001).map((_, i) => (i * 7919 + (i >> 11)) & 0xff);
  await withServer(async (sock) => {
    for (const streamed of [false, true]) {
      const res = await request(sock, "POST", "/echo", {
        body: streamed
          ? (async function* () {
            for (let at = 0; at < body.length; at += 7_000) yield body.subarray(at, at + 7_000);
          })()
          : body,
      });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.bytes(), body);
    }
  }, async (req, res) => {
    await res.send(200, await req.body(), "application/octet-stream");
  });
});
