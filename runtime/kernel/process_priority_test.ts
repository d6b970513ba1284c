import assert from "node:assert/strict";
import { Kernel } from "./kernel.ts";
import type { BuiltinMain } from "./executor.ts";
import { Errno } from "./errno.ts";
import { PRIO } from "./process_priority.ts";
import { minimalRoot } from "./minimal_root.ts";
import { applets } from "../userland/mod.ts";

/** Burns CPU in 0.1 ms steps with a system call between them, at the nice value argv[1]. */
const spin: BuiltinMain = async (sys, argv) => {
  if (sys.setpriority(PRIO.PROCESS, 0, Number(argv[1])) !== 0) return 2;
  const byte = new Uint8Array(1);
  for (;;) {
    const end = performance.now() + 0.1;
    while (performance.now() < end) { /* burn */ }
    await sys.write(1, byte);
  }
};

Deno.test("nice values weigh CPU shares as Linux's table: nice 5 gets ~1/3 of a nice-0 sibling", async () => {
  const k = new Kernel({ builtins: { spin } });
  try {
    const a = await k.spawn({ argv: ["spin", "0"], stdout: "null" });
    const b = await k.spawn({ argv: ["spin", "5"], stdout: "null" });
    await new Promise((r) => setTimeout(r, 1500));
    const ua = a.process.utimeUs + a.process.stimeUs;
    const ub = b.process.utimeUs + b.process.stimeUs;
    a.kill(9);
    b.kill(9);
    await Promise.all([a.wait(), b.wait()]);
    // 1024 / 335 = 3.06; tolerant bounds for a loaded machine.
    const ratio = ua / ub;
    assert.ok(
      ratio > 2 && ratio < 4.5,
      `nice 0 / nice 5 CPU: ${ratio.toFixed(2)} (${ua} / ${ub} µs)`,
    );
  } finally {
    await k.shutdown();
  }
});

Deno.test("getpriority/setpriority: 20 - nice, groups and users, root-only raises, others' processes EPERM", async () => {
  const k = new Kernel({ builtins: { ...applets } });
  try {
    const out: unknown[] = [];
    const h = await k.spawn({
      argv: ["probe"],
      fs: minimalRoot(k),
      program: async (sys) => {
        out.push(sys.getpriority(PRIO.PROCESS, 0)); // 20: nice 0
        out.push(sys.setpriority(PRIO.PROCESS, 0, 30), sys.getpriority(PRIO.PROCESS, 0)); // clamped 19
        out.push(sys.setpriority(PRIO.PROCESS, 0, -20), sys.getpriority(PRIO.PROCESS, 0)); // root
        out.push(sys.getpriority(PRIO.PROCESS, 4242), sys.getpriority(7, 0));
        out.push(sys.getpriority(PRIO.USER, 0), sys.getpriority(PRIO.PGRP, 0));
        // A child inherits the value; a user may lower its priority but not raise it back.
        if (sys.setpriority(PRIO.PROCESS, 0, 3) !== 0) return 1;
        if (sys.setgid(1000) !== 0 || sys.setuid(1000) !== 0) return 1;
        const child = await sys.spawn({
          path: "/bin/sh",
          argv: [
            "sh",
            "-c",
            "nice; nice -n 2 nice; nice -n -5 nice; renice -n 1 -p $$ >/dev/null; nice",
          ],
        });
        if (typeof child !== "number" || child < 0) return 1;
        await sys.wait4(child, 0);
        return 0;
      },
      stdout: "pipe",
      stderr: "pipe",
    });
    const [stdout, stderr] = await Promise.all([
      new Response(h.stdout).text(),
      new Response(h.stderr).text(),
      h.wait(),
    ]);
    assert.deepEqual(out, [20, 0, 1, 0, 40, Errno.ESRCH, Errno.EINVAL, 40, 40]);
    // The user's shell: 3 inherited, 5 for the child of nice -n 2, a refused raise (the
    // command still runs at 3), then renice of itself to 1 is refused too (a raise).
    assert.equal(stdout, "3\n5\n3\n3\n", stderr);
    assert.match(stderr, /nice: cannot set niceness: Permission denied/);
  } finally {
    await k.shutdown();
  }
});
