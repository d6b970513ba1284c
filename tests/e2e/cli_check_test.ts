/**
 * `berth build --iidfile`, `berth builder prune` and `berth system check [--repair]`
 * through the real CLI and daemon.
 */
import assert from "node:assert/strict";
import { tempBerth } from "./cli_harness.ts";

Deno.test("build --iidfile, builder prune, and system check find and repair damage", async () => {
  const berth = await tempBerth();
  const ctx = await Deno.makeTempDir({ prefix: "berth-check-ctx-" });
  try {
    await Deno.writeTextFile(`${ctx}/Dockerfile`, "FROM berth/base\nRUN echo hi > /x\n");
    const built = await berth.run(["build", "-q", "--iidfile", `${ctx}/iid`, "-t", "chk:1", ctx]);
    assert.equal(built.code, 0, built.stderr);
    const iid = await Deno.readTextFile(`${ctx}/iid`);
    assert.equal(iid, built.stdout.trim());
    const listed = await berth.run(["images", "-q", "--no-trunc", "chk:1"]);
    assert.equal(listed.stdout.trim(), iid);

    const clean = await berth.run(["system", "check"]);
    assert.equal(clean.code, 0, clean.stdout + clean.stderr);
    assert.match(clean.stdout, /no problems found/);

    const pruned = await berth.run(["builder", "prune", "-f"]);
    assert.equal(pruned.code, 0, pruned.stderr);
    assert.match(pruned.stdout, /Total:/);

    const live = await berth.run(["system", "check", "--repair"]);
    assert.equal(live.code, 125, "repair must refuse while the daemon runs");
    assert.match(live.stderr, /stop the daemon/);

    assert.equal((await berth.run(["system", "shutdown"])).code, 0);
    const blob = `${berth.root}/images/blobs/sha256/${iid.slice("sha256:".length)}`;
    await Deno.writeTextFile(blob, "torn");
    await Deno.writeTextFile(`${berth.root}/images/tmp/half-written`, "x");
    const damaged = await berth.run(["system", "check"]);
    assert.equal(damaged.code, 1, damaged.stdout);
    assert.match(damaged.stdout, /leftover of interrupted work/);
    assert.match(damaged.stdout, new RegExp(`blob .*${iid.slice(7)} holds sha256:`));

    const repaired = await berth.run(["system", "check", "--repair"]);
    assert.match(repaired.stdout, /repaired: /);
    // The torn config is gone; its absence stays reported: the image must be rebuilt.
    const after = await berth.run(["system", "check"]);
    assert.doesNotMatch(after.stdout, /leftover|holds sha256/);
    assert.match(after.stdout, /missing/);
  } finally {
    await berth.cleanup();
    await Deno.remove(ctx, { recursive: true });
  }
});

Deno.test("the daemon finishes an interrupted create; a torn record stays for system check to report", async () => {
  const berth = await tempBerth();
  try {
    assert.equal((await berth.run(["version"])).code, 0);
    assert.equal((await berth.run(["system", "shutdown"])).code, 0);
    // A create killed between its directory and its record (the commit point) ...
    const half = `${berth.root}/containers/${"a".repeat(64)}`;
    await Deno.mkdir(half, { recursive: true });
    await Deno.writeTextFile(`${half}/config.json`, "{}");
    // ... and a record that exists but cannot be read.
    const torn = `${berth.root}/containers/${"b".repeat(64)}`;
    await Deno.mkdir(torn, { recursive: true });
    await Deno.writeTextFile(`${torn}/container.json`, '{"Id": "bbb');
    assert.equal((await berth.run(["ps", "-a"])).code, 0); // starts the daemon, which loads
    await assert.rejects(() => Deno.stat(half), Deno.errors.NotFound);
    const check = await berth.run(["system", "check"]);
    assert.equal(check.code, 1, check.stdout);
    assert.match(check.stdout, /container bbbbbbbbbbbb: container\.json does not parse/);
    assert.doesNotMatch(check.stdout, /aaaaaaaaaaaa/);
  } finally {
    await berth.cleanup();
  }
});
