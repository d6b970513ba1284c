/**
 * Disk fill: with the state root on a small file system (a 64 MiB tmpfs mounted for the
 * test), a container that writes until the disk is full gets ENOSPC, large upper files
 * live on disk rather than in the daemon's heap, the space comes back when the container
 * is removed, the store verifies whole, and the next container runs.
 */
import assert from "node:assert/strict";
import { openStore } from "../../image/mod.ts";
import { checkStore } from "../../image/store/store_check.ts";
import { CLI } from "../e2e/cli_harness.ts";
import { repoRoot } from "../_paths.ts";

const isRoot = Deno.uid() === 0;

async function sh(cmd: string[]): Promise<{ code: number; out: string }> {
  const o = await new Deno.Command(cmd[0]!, {
    args: cmd.slice(1),
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: o.code,
    out: new TextDecoder().decode(o.stdout) + new TextDecoder().decode(o.stderr),
  };
}

Deno.test({
  name: "filling the disk gives ENOSPC in the container and loses nothing" +
    (isRoot ? "" : " (needs root to mount a small tmpfs)"),
  ignore: !isRoot,
  fn: async () => {
    const mnt = await Deno.makeTempDir({ prefix: "berth-diskfill-" });
    const mounted = await sh(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", mnt]);
    assert.equal(mounted.code, 0, mounted.out);
    const root = `${mnt}/root`;
    const berth = async (args: string[]) => {
      const o = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", CLI, ...args],
        cwd: repoRoot,
        env: { BERTH_ROOT: root, NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      return {
        code: o.code,
        stdout: new TextDecoder().decode(o.stdout),
        stderr: new TextDecoder().decode(o.stderr),
      };
    };
    try {
      const fill = await berth([
        "run",
        "--rm",
        "berth/base",
        "sh",
        "-c",
        "timeout 60 cat /dev/zero > /tmp/big; echo cat=$?; ls -l /tmp/big",
      ]);
      assert.equal(fill.code, 0, fill.stderr);
      assert.match(fill.stdout, /cat=1/, fill.stdout + fill.stderr);
      assert.match(fill.stderr, /No space left on device/);
      const pid = Number((await Deno.readTextFile(`${root}/berth.pid`)).trim());
      const rss = Number(
        /VmRSS:\s+(\d+)/.exec(await Deno.readTextFile(`/proc/${pid}/status`))?.[1],
      );
      assert.ok(
        rss < 48 * 1024 + 200 * 1024,
        `the daemon holds ${rss} kB: upper data must spill to disk`,
      );
      const df = await sh(["df", "-k", "--output=used", mnt]);
      const usedKb = Number(df.out.trim().split("\n").pop());
      assert.ok(usedKb < 16 * 1024, `${usedKb} kB still used after the container was removed`);
      const next = await berth(["run", "--rm", "berth/base", "echo", "next-ok"]);
      assert.equal(next.stdout.trim(), "next-ok", next.stderr);
      assert.equal((await berth(["system", "shutdown"])).code, 0);
      const report = await checkStore(await openStore(root));
      assert.deepEqual(report.problems.map((p) => p.message), []);
    } finally {
      try {
        const pid = Number((await Deno.readTextFile(`${root}/berth.pid`)).trim());
        Deno.kill(pid, "SIGKILL");
      } catch { /* stopped */ }
      for (let i = 0; i < 50; i++) {
        if ((await sh(["umount", mnt])).code === 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await Deno.remove(mnt, { recursive: true });
    }
  },
});
