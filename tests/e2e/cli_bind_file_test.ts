/**
 * Single-file bind mounts through the real CLI: `-v /host/file:/etc/x[:ro]` and
 * `--mount type=bind`, reads and writes reaching the host file, `:ro` refusing writes,
 * a symlinked source resolved once, and a file bound onto an image directory refused.
 */
import assert from "node:assert/strict";
import { tempBerth } from "./cli_harness.ts";

Deno.test("run -v /host/file:/etc/x binds one file (rw and :ro), symlinked sources resolve on the host", async () => {
  const b = await tempBerth();
  const host = await Deno.makeTempDir({ prefix: "berth-e2e-bindfile-" });
  try {
    Deno.writeTextFileSync(`${host}/app.conf`, "port=80\n");
    Deno.symlinkSync(`${host}/app.conf`, `${host}/link.conf`);
    const rw = await b.run([
      "run",
      "--rm",
      "-v",
      `${host}/app.conf:/etc/app.conf`,
      "berth/base",
      "sh",
      "-c",
      "cat /etc/app.conf; echo port=81 >> /etc/app.conf; ls -l /etc/app.conf | cut -c1",
    ]);
    assert.equal(rw.code, 0, rw.stderr);
    assert.equal(rw.stdout, "port=80\n-\n");
    assert.equal(Deno.readTextFileSync(`${host}/app.conf`), "port=80\nport=81\n");

    const ro = await b.run([
      "run",
      "--rm",
      "-v",
      `${host}/link.conf:/etc/deep/new.conf:ro`,
      "berth/base",
      "sh",
      "-c",
      "cat /etc/deep/new.conf; echo x > /etc/deep/new.conf || echo refused",
    ]);
    assert.equal(ro.code, 0, ro.stderr);
    assert.equal(ro.stdout, "port=80\nport=81\nrefused\n");
    assert.match(ro.stderr, /Read-only file system/);
    assert.equal(Deno.readTextFileSync(`${host}/app.conf`), "port=80\nport=81\n");

    const mount = await b.run([
      "run",
      "--rm",
      "--mount",
      `type=bind,source=${host}/app.conf,target=/srv/conf,readonly`,
      "berth/base",
      "cat",
      "/srv/conf",
    ]);
    assert.equal(mount.code, 0, mount.stderr);
    assert.equal(mount.stdout, "port=80\nport=81\n");

    const onDir = await b.run(["run", "--rm", "-v", `${host}/app.conf:/etc`, "berth/base", "true"]);
    assert.notEqual(onDir.code, 0);
    assert.match(onDir.stderr, /mount a directory onto a file \(or vice-versa\)/);
  } finally {
    await b.cleanup();
    await Deno.remove(host, { recursive: true });
  }
});
