/**
 * Escapes: nothing outside a container's root or its volumes is read, written or listed.
 *
 * A canary directory sits beside a bind-mounted volume on the host. The volume holds
 * symlinks that point out of it (relative, absolute to the canary, absolute to `/`),
 * and programs inside the container try `..` chains, symlinks they make themselves,
 * `/proc/self/root`, mounts and reads of other containers' processes. The canary's
 * content, listing and access time (set older than its mtime, so that any read would
 * move it under relatime) must be unchanged, and no output may show its secret. The same
 * holds for a WASI program (`escape.wasm`: libc paths with `..` chains, raw `path_open`
 * with `..` on every preopen, symlinks it makes to `/` and upwards, a host symlink loop,
 * `/proc/self/root` and `/proc/1/root`).
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { tempBerth } from "../e2e/cli_harness.ts";
import { repoRoot } from "../_paths.ts";
import { plantCanary } from "./_canary.ts";

const SECRET = "CANARY-7f3a9c";

Deno.test("a container reaches nothing outside its root and volumes", async () => {
  const berth = await tempBerth();
  const host = await Deno.makeTempDir({ prefix: "berth-escape-" });
  try {
    const { fingerprint } = await plantCanary(host, SECRET, { sub: true });
    const vol = `${host}/vol`;
    await Deno.mkdir(vol);
    await Deno.writeTextFile(`${vol}/inside.txt`, "inside\n");
    await Deno.symlink("../canary", `${vol}/rel`);
    await Deno.symlink(`${host}/canary`, `${vol}/abs_canary`);
    await Deno.symlink("/", `${vol}/abs_root`);
    await Deno.symlink("../canary/secret", `${vol}/file_link`);
    await Deno.symlink("../../../../../../../../..", `${vol}/deep_up`);
    const before = await fingerprint();

    const script = [
      "cat /data/inside.txt",
      "cat /data/rel/secret",
      "cat /data/abs_canary/secret",
      "cat /data/file_link",
      "ls /data/rel /data/abs_canary",
      "ls /data/abs_root/",
      "ls /data/deep_up/",
      "cat /data/deep_up/" + host.replace(/^\//, "") + "/canary/secret",
      "echo pwned > /data/rel/secret",
      "echo pwned > /data/file_link",
      "echo pwned > /data/abs_canary/new",
      "ls /data/../../../../",
      "cat /data/../../../../" + host.replace(/^\//, "") + "/canary/secret",
      "ln -s /../../../../../ /tmp/up; ls /tmp/up/",
      "ln -s " + host + "/canary/secret /tmp/s; cat /tmp/s",
      "readlink /proc/self/root",
      "ls /proc/self/root/",
      "cat /proc/self/root/../../" + host.replace(/^\//, "") + "/canary/secret",
      "mount -t tmpfs none /data",
      "mkdir -p /mnt && mount --bind / /mnt && ls /mnt",
      "cd /data/rel && pwd && ls",
      "echo done",
    ].join("; ");
    const out = await berth.run([
      "run",
      "--rm",
      "-v",
      `${vol}:/data`,
      "berth/base",
      "sh",
      "-c",
      script,
    ]);
    const all = out.stdout + out.stderr;
    assert.match(out.stdout, /inside/, `the volume itself must be readable:\n${all}`);
    assert.match(out.stdout, /done/, all);
    assert.doesNotMatch(all, new RegExp(SECRET), `the canary leaked:\n${all}`);
    assert.doesNotMatch(
      out.stdout,
      /\bcanary\b.*\bvol\b|\bsecret\b/,
      `host names listed:\n${out.stdout}`,
    );
    assert.equal(await fingerprint(), before, "the canary was read, written or listed");
    assert.equal(await Deno.readTextFile(`${host}/canary/secret`), SECRET);
    // The volume's own files are intact (writes through links must not have landed anywhere).
    assert.equal(await Deno.readTextFile(`${vol}/inside.txt`), "inside\n");
  } finally {
    await berth.cleanup();
    await Deno.remove(host, { recursive: true });
  }
});

const escapeWasm = `${repoRoot}/tests/fixtures/wasi/escape.wasm`;

Deno.test({
  name: "a WASI program reaches nothing outside its root and volumes",
  ignore: !existsSync(escapeWasm),
  async fn() {
    const berth = await tempBerth();
    const host = await Deno.makeTempDir({ prefix: "berth-escape-wasi-" });
    try {
      const { fingerprint } = await plantCanary(host, SECRET, { sub: true });
      const vol = `${host}/vol`;
      await Deno.mkdir(vol);
      await Deno.symlink("../canary", `${vol}/rel`);
      await Deno.symlink(`${host}/canary`, `${vol}/abs_canary`);
      await Deno.writeTextFile(`${vol}/inside.txt`, "inside-ok\n");
      await Deno.symlink("loop-b", `${vol}/loop-a`);
      await Deno.symlink("loop-a", `${vol}/loop-b`);
      const ctx = `${host}/ctx`;
      await Deno.mkdir(ctx);
      await Deno.copyFile(escapeWasm, `${ctx}/escape.wasm`);
      await Deno.writeTextFile(`${ctx}/Dockerfile`, "FROM berth/base\nCOPY escape.wasm /bin/\n");
      const built = await berth.run(["build", "-q", "-t", "wasi-escape:1", ctx]);
      assert.equal(built.code, 0, built.stderr);
      const before = await fingerprint();
      const up = "../".repeat(12);
      const rel = `${host.replace(/^\//, "")}/canary/secret`;
      const out = await berth.run([
        "run",
        "--rm",
        "-v",
        `${vol}:/data`,
        "wasi-escape:1",
        "/bin/escape.wasm",
        "/data/inside.txt",
        `/data/${up}${rel}`,
        `data/${up}${rel}`,
        "/data/rel/secret",
        "/data/abs_canary/secret",
        "/data/loop-a",
        `/proc/self/root/${up}${rel}`,
        `/proc/1/root/${up}${rel}`,
        `/${rel}`,
      ]);
      const all = out.stdout + out.stderr;
      assert.equal(out.code, 0, all);
      assert.match(out.stdout, /symlink up: /, `the probe ran to its end:\n${all}`);
      assert.match(out.stdout, /^\/data\/inside\.txt: inside-ok$/m, `the probe reads:\n${all}`);
      assert.match(out.stdout, /\/data\/loop-a: error .*(loop|Too many)/i, all);
      assert.doesNotMatch(all, new RegExp(SECRET), `the canary leaked:\n${all}`);
      assert.equal(await fingerprint(), before, "the canary was read, written or listed");
    } finally {
      await berth.cleanup();
      await Deno.remove(host, { recursive: true });
    }
  },
});
