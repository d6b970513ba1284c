import assert from "node:assert/strict";
import { tempBerth } from "./cli_harness.ts";

Deno.test("the CLI starts the daemon on demand, with a 0600 socket in a 0700 root, and shutdown stops it", async () => {
  const b = await tempBerth();
  try {
    const v = await b.run(["version"]);
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /Server: Berth/);
    assert.equal((await Deno.stat(b.socket)).mode! & 0o777, 0o600);
    assert.equal((await Deno.stat(b.root)).mode! & 0o777, 0o700);
    const pid = Number((await Deno.readTextFile(`${b.root}/berth.pid`)).trim());
    assert.ok(pid > 0);
    const s = await b.run(["system", "shutdown"]);
    assert.equal(s.code, 0, s.stderr);
    await assert.rejects(() => Deno.stat(b.socket));
  } finally {
    await b.cleanup();
  }
});

Deno.test("two CLIs starting the daemon at once start one daemon", async () => {
  const b = await tempBerth();
  try {
    const [x, y] = await Promise.all([b.run(["info"]), b.run(["info"])]);
    assert.equal(x.code, 0, x.stderr);
    assert.equal(y.code, 0, y.stderr);
    const log = await Deno.readTextFile(`${b.root}/daemon.log`);
    assert.equal(log.match(/listening on/g)?.length, 1, log);
  } finally {
    await b.cleanup();
  }
});

Deno.test("two berth run at once with no daemon start one, and both run", async () => {
  const b = await tempBerth();
  try {
    const run = () => b.run(["run", "--rm", "berth/base", "echo", "hi"]);
    const [x, y] = await Promise.all([run(), run()]);
    assert.deepEqual(
      [x.code, x.stdout, y.code, y.stdout],
      [0, "hi\n", 0, "hi\n"],
      x.stderr + y.stderr,
    );
    const log = await Deno.readTextFile(`${b.root}/daemon.log`);
    assert.equal(log.match(/listening on/g)?.length, 1, log);
  } finally {
    await b.cleanup();
  }
});

Deno.test("the daemon answers Docker's JSON errors and version-prefixed paths", async () => {
  const b = await tempBerth();
  try {
    await b.run(["version"]);
    const { request } = await import("../../runtime/daemon/http_client.ts");
    const ping = await request(b.socket, "GET", "/v1.47/_ping");
    assert.equal(await ping.text(), "OK");
    assert.equal(ping.headers.get("api-version"), "1.47");
    const old = await request(b.socket, "GET", "/v1.12/version");
    assert.equal(old.status, 400);
    assert.match(String(((await old.json()) as { message: string }).message), /too old/);
    const nf = await request(b.socket, "GET", "/nope");
    assert.equal(nf.status, 404);
    assert.deepEqual(await nf.json(), { message: "page not found" });
  } finally {
    await b.cleanup();
  }
});
