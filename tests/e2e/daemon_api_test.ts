/**
 * Hostile input to the Engine API: malformed JSON, unknown fields, wrong types, huge
 * bodies, path traversal in ids, names and archive paths. Each gets a 4xx with a
 * message, and the daemon keeps serving.
 */
import assert from "node:assert/strict";
import { request } from "../../runtime/daemon/http_client.ts";
import { tempBerth } from "./cli_harness.ts";

Deno.test("hostile API input gets 4xx answers with messages and leaves the daemon unharmed", async () => {
  const b = await tempBerth();
  try {
    assert.equal((await b.run(["info"])).code, 0);
    const send = async (method: string, path: string, body?: string | Uint8Array) => {
      const res = await request(b.socket, method, path, {
        body: typeof body === "string" ? new TextEncoder().encode(body) : body,
        contentType: "application/json",
      });
      const text = await res.text();
      let message = "";
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? "";
      } catch { /* not JSON */ }
      return { status: res.status, message };
    };
    const cases: [string, string, string | Uint8Array | undefined, number, RegExp][] = [
      ["POST", "/v1.47/containers/create", "{not json", 400, /invalid JSON/],
      ["POST", "/v1.47/containers/create", "[1,2]", 400, /must be a JSON object/],
      [
        "POST",
        "/v1.47/containers/create",
        '{"Image":"berth/base","Evil":true}',
        400,
        /unknown field "Evil"/,
      ],
      [
        "POST",
        "/v1.47/containers/create",
        '{"Image":["berth/base"]}',
        400,
        /cannot unmarshal array/,
      ],
      [
        "POST",
        "/v1.47/containers/create",
        '{"Image":"berth/base","HostConfig":{"Memory":"lots"}}',
        400,
        /HostConfig\.Memory/,
      ],
      [
        "POST",
        "/v1.47/containers/create",
        '{"Image":"berth/base","HostConfig":{"Binds":["../../etc:/x"]}}',
        400,
        /absolute host path|invalid volume/,
      ],
      [
        "POST",
        "/v1.47/containers/create?name=..%2F..%2Fevil",
        '{"Image":"berth/base","Cmd":["true"]}',
        400,
        /Invalid container name/,
      ],
      [
        "POST",
        "/v1.47/containers/create",
        '{"Image":"../../../etc/passwd","Cmd":["true"]}',
        404,
        /No such image/,
      ],
      [
        "POST",
        "/v1.47/containers/create",
        new Uint8Array(8 * 1024 * 1024).fill(32),
        413,
        /too large/,
      ],
      ["GET", "/v1.47/containers/..%2F..%2Fetc%2Fpasswd/json", undefined, 404, /No such container/],
      ["GET", "/v1.47/containers/%2e%2e/json", undefined, 404, /No such container/],
      [
        "DELETE",
        "/v1.47/containers/../../berth.sock",
        undefined,
        404,
        /page not found|No such container/,
      ],
      ["GET", "/v1.47/images/..%2F..%2Fberth.pid/json", undefined, 404, /No such image/],
      ["POST", "/v1.47/containers/json", undefined, 405, /not allowed/],
      ["GET", "/v1.47/containers/json?filters=%7Bbad", undefined, 400, /invalid filter/],
      [
        "GET",
        "/v1.47/containers/json?filters=%7B%22nope%22%3A%5B%22x%22%5D%7D",
        undefined,
        400,
        /invalid filter 'nope'/,
      ],
      ["POST", "/v1.47/containers/abc/kill?signal=SIGNOPE", undefined, 404, /No such container/],
    ];
    for (const [method, path, body, status, re] of cases) {
      const r = await send(method, path, body);
      assert.equal(r.status, status, `${method} ${path} → ${r.status} ${r.message}`);
      assert.match(r.message, re, `${method} ${path}`);
    }
    // Archive paths cannot leave the container's root.
    const c = await b.run(["create", "--name", "jail", "berth/base", "true"]);
    assert.equal(c.code, 0, c.stderr);
    const res = await request(
      b.socket,
      "GET",
      "/v1.47/containers/jail/archive?path=/../../../../etc/passwd",
    );
    const tar = new TextDecoder().decode(await res.bytes());
    assert.equal(res.status, 200);
    assert.match(tar, /root:x:0:0:root:\/root:\/bin\/sh/, "the container's own /etc/passwd");
    assert.doesNotMatch(tar, /^_apt:|systemd/m, "not the host's");
    const bad = await send("POST", "/v1.47/containers/jail/kill?signal=SIGNOPE");
    assert.equal(bad.status, 409, bad.message); // not running: checked before the signal
    const ping = await request(b.socket, "GET", "/_ping");
    assert.equal(await ping.text(), "OK", "the daemon still answers");
    assert.equal(
      (await b.run(["run", "--rm", "berth/base", "echo", "still fine"])).stdout,
      "still fine\n",
    );
  } finally {
    await b.cleanup();
  }
});
