import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import type { BuiltinMain } from "./executor.ts";
import { Kernel } from "./kernel.ts";
import { kernelProcSource } from "./kernel_proc_source.ts";
import { lookupPid, visiblePids } from "./proc_info.ts";
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
    const src = kernelProcSource(k);
    const seen = src.info(inner, 2)!;
    assertEquals([seen.pid, seen.ppid, seen.state, seen.comm], [2, 1, "S", "sleeper"]);
    assertEquals(seen.argv, ["sleeper", "-x"]);
    assertEquals(seen.nsPids, [2], "NSpid from inside: its own namespace only");
    assertEquals(src.info(outside.process, child.id)!.nsPids, [child.id, 2], "from outside");
    assertEquals(seen.cgroup, "/", "the cgroup namespace root");
    assertEquals(src.info(outside.process, child.id)!.cgroup, "/c1");
    assertEquals(src.info(inner, child.id + 1000), undefined, "invisible outside its namespace");
    const own = src.info(outside.process, outside.process.id)!;
    ok(seen.ns.pid!.id !== own.ns.pid!.id, "different PID namespaces, different ns inodes");
  } finally {
    await k.shutdown();
  }
});
