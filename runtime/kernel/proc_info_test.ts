import { deepStrictEqual as assertEquals, match, ok } from "node:assert/strict";
import type { BuiltinMain } from "./executor.ts";
import { Kernel } from "./kernel.ts";
import {
  cgroupText,
  cmdlineBytes,
  lookupPid,
  nsLinks,
  statText,
  statusText,
  visiblePids,
} from "./proc_info.ts";
import { CLONE } from "./syscalls/api.ts";

const sleeper: BuiltinMain = async (sys) => {
  await sys.nanosleep({ sec: 60, nsec: 0 });
  return 0;
};
const init: BuiltinMain = async (sys) => {
  await sys.spawn({ path: "sleeper", argv: ["sleeper", "-x"] });
  await sys.write(1, new Uint8Array([10]));
  await sys.nanosleep({ sec: 60, nsec: 0 });
  return 0;
};

Deno.test("proc views translate pids per viewer namespace and show NSpid, state, cgroup", async () => {
  const k = new Kernel({ builtins: { sleeper, init } });
  try {
    const outside = await k.spawn({ argv: ["sleeper"], stdout: "null" });
    k.cgroups.create("/c1");
    const h = await k.spawn({
      argv: ["init"],
      cgroup: "/c1",
      cloneFlags: CLONE.NEWPID | CLONE.NEWCGROUP,
    });
    const r = h.stdout!.getReader();
    await r.read();
    r.releaseLock();
    const inner = h.process;
    assertEquals(visiblePids(k, inner), [1, 2]);
    ok(visiblePids(k, outside.process).length >= 3);
    const child = lookupPid(k, inner, 2)!;
    assertEquals(child.argv, ["sleeper", "-x"]);
    match(statusText(k, child, inner), /\nPid:\t2\nPPid:\t1\n/);
    match(statusText(k, child, inner), /\nNSpid:\t2\n/);
    match(statusText(k, child, outside.process), new RegExp(`\nNSpid:\t${child.id}\t2\n`));
    match(statusText(k, child, inner), /\nState:\tS \(sleeping\)\n/);
    match(statText(k, child, inner), /^2 \(sleeper\) S 1 /);
    assertEquals(new TextDecoder().decode(cmdlineBytes(child)), "sleeper\0-x\0");
    assertEquals(cgroupText(k, child, inner), "0::/\n");
    assertEquals(cgroupText(k, child, outside.process), "0::/c1\n");
    match(nsLinks(child).pid, /^pid:\[\d+\]$/);
    ok(nsLinks(child).pid !== nsLinks(outside.process).pid);
    assertEquals(nsLinks(child).pid, nsLinks(inner).pid);
  } finally {
    await k.shutdown();
  }
});
