/**
 * Escapes through `berth cp` (the Engine API's container archive), with the real CLI:
 * tars copied into a container whose entries climb out with `..`, name absolute host
 * paths, hard-link to host files, or write through a symlink they made (relative and
 * absolute) are refused with a message or stay inside the container; paths copied out
 * of a container that climb with `..` or go through `/proc/self/root` are clamped at its
 * root. A canary directory outside every root is never read, listed or written.
 */
import assert from "node:assert/strict";
import { tempBerth } from "../e2e/cli_harness.ts";
import { type RawEntry, rawTar } from "../fixtures/images/tar_builder.ts";
import { plantCanary } from "./_canary.ts";

const SECRET = "CANARY-CP-2be7";

Deno.test("berth cp in and out of a container reaches nothing outside its root", async () => {
  const berth = await tempBerth();
  const host = await Deno.makeTempDir({ prefix: "berth-escape-cp-" });
  try {
    const theCanary = await plantCanary(host, SECRET);
    const canary = theCanary.dir;
    const before = await theCanary.fingerprint();
    const rel = canary.slice(1);
    const deep = "../".repeat(12);
    const created = await berth.run(["create", "--name", "target", "berth/base", "sleep", "60"]);
    assert.equal(created.code, 0, created.stderr);

    const tars: [string, RawEntry[]][] = [
      ["a .. name", [{ name: `${deep}${rel}/planted`, data: "x" }]],
      ["an absolute name", [{ name: `${canary}/planted`, data: "x" }]],
      ["a hard link to a host file", [{ name: "hard", type: "1", linkname: `${canary}/secret` }]],
      ["a relative hard link out", [{ name: "hard", type: "1", linkname: `${deep}${rel}/secret` }]],
      ["a write through a relative link it made", [
        { name: "tmp/up", type: "2", linkname: deep },
        { name: `tmp/up/${rel}/planted`, data: "x" },
      ]],
      ["a write through an absolute link it made", [
        { name: "abs", type: "2", linkname: canary },
        { name: "abs/planted", data: "x" },
      ]],
    ];
    for (const [what, entries] of tars) {
      const r = await berth.run(["cp", "-", "target:/"], { stdin: rawTar(entries) });
      assert.doesNotMatch(r.stderr, /^\s+at .*:\d+:\d+\)?$/m, `${what}: a stack trace`);
      if (r.code !== 0) {
        assert.match(r.stderr, /Cannot read layer archive: /, `${what}: ${r.stderr}`);
      }
    }

    const started = await berth.run(["start", "target"]);
    assert.equal(started.code, 0, started.stderr);
    const inside = await berth.run([
      "exec",
      "target",
      "sh",
      "-c",
      `cat /abs/secret /hard /tmp/up/${rel}/secret; ls /abs/; echo done`,
    ]);
    const all = inside.stdout + inside.stderr;
    assert.match(inside.stdout, /done/, all);
    assert.doesNotMatch(all, new RegExp(SECRET), `the canary leaked:\n${all}`);

    for (const path of [`/${deep}${rel}/secret`, `/proc/self/root/${deep}${rel}/secret`]) {
      const out = await berth.run(["cp", `target:${path}`, "-"]);
      assert.notEqual(out.code, 0, `copied ${path} out`);
      assert.doesNotMatch(out.stdout + out.stderr, new RegExp(SECRET), `${path} leaked`);
    }
    const passwd = await berth.run(["cp", `target:/${deep}etc/passwd`, `${host}/out`]);
    assert.equal(passwd.code, 0, passwd.stderr);
    const own = await berth.run(["exec", "target", "cat", "/etc/passwd"]);
    assert.equal(await Deno.readTextFile(`${host}/out`), own.stdout, "the container's own file");
    assert.notEqual(own.stdout, await Deno.readTextFile("/etc/passwd"));
    const rm = await berth.run(["rm", "-f", "target"]);
    assert.equal(rm.code, 0, rm.stderr);

    assert.equal(await theCanary.fingerprint(), before, "the canary was read, listed or written");
    assert.equal(await Deno.readTextFile(`${canary}/secret`), SECRET);
  } finally {
    await berth.cleanup();
    await Deno.remove(host, { recursive: true });
  }
});
