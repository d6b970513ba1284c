/**
 * A race against the bind-mount confinement: while a container reads through
 * `/data/dir/secret` in a loop, the host swaps `vol/dir` between a real directory and a
 * symlink to a canary directory outside the volume, as fast as it can. Every read must
 * get the volume's own file or fail; the canary is never read (its atime, set older than
 * its mtime, would move under relatime) and its secret never printed.
 */
import assert from "node:assert/strict";
import { tempBerth } from "../e2e/cli_harness.ts";

const SECRET = "RACE-CANARY-51e2";

Deno.test("swapping a volume directory for a symlink during walks reaches nothing outside", async () => {
  const berth = await tempBerth();
  const host = await Deno.makeTempDir({ prefix: "berth-race-" });
  let racing = true;
  try {
    await Deno.mkdir(`${host}/canary`);
    await Deno.writeTextFile(`${host}/canary/secret`, SECRET);
    await Deno.utime(`${host}/canary/secret`, new Date(Date.now() - 3600_000), new Date());
    const before = (await Deno.stat(`${host}/canary/secret`)).atime?.getTime();
    // vol/dir is a real directory; the swapper moves it aside and puts a symlink to the
    // canary (an absolute host path) in its place, then back, as fast as it can: a walk
    // that checked "directory" and then opened through it would follow the link out.
    await Deno.mkdir(`${host}/vol/dir`, { recursive: true });
    await Deno.writeTextFile(`${host}/vol/dir/secret`, "inside\n");
    let swaps = 0;
    const swapper = (async () => {
      while (racing) {
        await Deno.rename(`${host}/vol/dir`, `${host}/vol/aside`);
        await Deno.symlink(`${host}/canary`, `${host}/vol/dir`);
        await Deno.remove(`${host}/vol/dir`);
        await Deno.rename(`${host}/vol/aside`, `${host}/vol/dir`);
        swaps++;
        if (swaps % 50 === 0) await new Promise((r) => setTimeout(r, 0));
      }
    })();
    const out = await berth.run([
      "run",
      "--rm",
      "-v",
      `${host}/vol:/data`,
      "berth/base",
      "sh",
      "-c",
      "i=0; while [ $i -lt 300 ]; do cat /data/dir/secret 2>/dev/null; ls /data/dir/ 2>/dev/null; i=$((i+1)); done; echo done",
    ]);
    racing = false;
    await swapper;
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /done/);
    assert.match(out.stdout, /inside/, "some reads must have reached the volume's own file");
    assert.ok(swaps > 100, `the race needs swaps: ${swaps}`);
    assert.doesNotMatch(out.stdout + out.stderr, new RegExp(SECRET), "the canary leaked");
    const after = (await Deno.stat(`${host}/canary/secret`)).atime?.getTime();
    assert.equal(after, before, "the canary was read");
  } finally {
    racing = false;
    await berth.cleanup();
    await Deno.remove(host, { recursive: true });
  }
});
