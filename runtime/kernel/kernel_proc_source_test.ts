import { deepStrictEqual as assertEquals, match, ok } from "node:assert/strict";
import type { BuiltinMain } from "./executor.ts";
import { Kernel } from "./kernel.ts";
import { minimalRoot } from "./minimal_root.ts";
import { AT, CLONE, O, type Syscalls } from "./syscalls/api.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

async function cat(sys: Syscalls, path: string): Promise<string> {
  const fd = await sys.openat(AT.FDCWD, path, O.RDONLY, 0);
  if (fd < 0) return `open ${path}: ${fd}`;
  let out = "";
  const buf = new Uint8Array(8192);
  for (;;) {
    const n = await sys.read(fd, buf);
    if (n <= 0) break;
    out += dec.decode(buf.subarray(0, n));
  }
  sys.close(fd);
  return out;
}

Deno.test("a container mounts proc and cgroup2 and sees its own namespaces and limits", async () => {
  const probe: BuiltinMain = async (sys) => {
    sys.mkdirat(AT.FDCWD, "/sys", 0o755);
    sys.mkdirat(AT.FDCWD, "/sys/fs", 0o755);
    sys.mkdirat(AT.FDCWD, "/sys/fs/cgroup", 0o755);
    const m1 = sys.mount("proc", "/proc", "proc", 0, "");
    const m2 = sys.mount("cgroup", "/sys/fs/cgroup", "cgroup2", 0, "");
    const status = await cat(sys, "/proc/self/status");
    const pid = /\nPid:\t(\d+)\n/.exec(status)?.[1];
    const cg = await cat(sys, "/proc/self/cgroup");
    const max = await cat(sys, "/sys/fs/cgroup/cpu.max");
    const procs = await cat(sys, "/sys/fs/cgroup/cgroup.procs");
    await sys.write(1, enc.encode(JSON.stringify({ m1, m2, pid, cg, max, procs }) + "\n"));
    return 0;
  };
  const k = new Kernel({ builtins: { probe } });
  try {
    k.cgroups.create("/ctr", { cpuMax: "50000 100000" });
    const h = await k.spawn({
      argv: ["probe"],
      fs: minimalRoot(k),
      cgroup: "/ctr",
      cloneFlags: CLONE.NEWPID | CLONE.NEWNS | CLONE.NEWCGROUP | CLONE.NEWUTS | CLONE.NEWIPC,
    });
    const out = JSON.parse(await new Response(h.stdout).text());
    assertEquals(out, {
      m1: 0,
      m2: 0,
      pid: "1",
      cg: "0::/\n",
      max: "50000 100000\n",
      procs: "1\n",
    });
  } finally {
    await k.shutdown();
  }
});

Deno.test("setns through /proc/PID/ns/uts joins another process's UTS namespace", async () => {
  const named: BuiltinMain = async (sys) => {
    sys.sethostname("inside");
    await sys.write(1, enc.encode("ready\n"));
    await sys.nanosleep({ sec: 60, nsec: 0 });
    return 0;
  };
  const joiner: BuiltinMain = async (sys, argv) => {
    sys.mount("proc", "/proc", "proc", 0, "");
    const before = sys.uname().nodename;
    const fd = await sys.openat(AT.FDCWD, `/proc/${argv[1]}/ns/uts`, O.RDONLY, 0);
    const r = sys.setns(fd, CLONE.NEWUTS);
    await sys.write(1, enc.encode(`${before} ${r} ${sys.uname().nodename}\n`));
    return 0;
  };
  const k = new Kernel({ builtins: { named, joiner }, hostname: "host" });
  try {
    const a = await k.spawn({ argv: ["named"], cloneFlags: CLONE.NEWUTS });
    const rd = a.stdout!.getReader();
    await rd.read();
    rd.releaseLock();
    const b = await k.spawn({ argv: ["joiner", String(a.pid)], fs: minimalRoot(k) });
    assertEquals(await new Response(b.stdout).text(), "host 0 inside\n");
  } finally {
    await k.shutdown();
  }
});

Deno.test("/proc/meminfo-style limits follow the container's cgroup (lxcfs)", async () => {
  const k = new Kernel({ builtins: {} });
  try {
    k.cgroups.create("/lim", { memoryMax: 64 * 1024 * 1024, cpuMax: "150000 100000" });
    const { kernelProcSource } = await import("./kernel_proc_source.ts");
    const src = kernelProcSource(k);
    const h = await k.spawn({
      argv: ["x"],
      cgroup: "/lim",
      cloneFlags: CLONE.NEWCGROUP,
      program: async (sys) => {
        await sys.nanosleep({ sec: 60, nsec: 0 });
        return 0;
      },
    });
    const l = src.limits(h.process);
    assertEquals(l.memTotal, 64 * 1024 * 1024);
    ok(l.cpus >= 1 && l.cpus <= 2);
    match(src.info(h.process, h.nsPid)?.cgroup ?? "", /^\/$/);
  } finally {
    await k.shutdown();
  }
});

Deno.test("spawn({ mounts }) mounts proc and cgroup2 inside the new namespaces before exec", async () => {
  const probe: BuiltinMain = async (sys) => {
    const stat = await cat(sys, "/proc/1/stat");
    const w = await cat(sys, "/sys/fs/cgroup/cpu.weight");
    await sys.write(1, enc.encode(`${stat.split(" ").slice(0, 3).join(" ")} ${w}`));
    return 0;
  };
  const k = new Kernel({ builtins: { probe } });
  try {
    k.cgroups.create("/c2", { cpuWeight: 250 });
    const h = await k.spawn({
      argv: ["probe"],
      fs: minimalRoot(k),
      cgroup: "/c2",
      cloneFlags: CLONE.NEWPID | CLONE.NEWNS | CLONE.NEWCGROUP,
      mounts: [
        { source: "proc", target: "/proc", fstype: "proc" },
        { source: "cgroup", target: "/sys/fs/cgroup", fstype: "cgroup2" },
      ],
    });
    assertEquals(await new Response(h.stdout).text(), "1 (probe) R 250\n");
  } finally {
    await k.shutdown();
  }
});

Deno.test("/proc/self/status shows signal masks, capabilities, NSpid chains and memory; stat its start time", async () => {
  const probe: BuiltinMain = async (sys) => {
    sys.mount("proc", "/proc", "proc", 0, "");
    sys.sigaction(10, () => {}); // SIGUSR1 caught
    sys.sigaction(13, "ignore"); // SIGPIPE ignored
    sys.sigprocmask(0, 1n << 1n); // SIGINT blocked (SIG_BLOCK)
    await sys.nanosleep({ sec: 0, nsec: 30_000_000 });
    const status = await cat(sys, "/proc/self/status");
    const stat = (await cat(sys, "/proc/self/stat")).split(" ");
    const uptime = Number((await cat(sys, "/proc/uptime")).split(" ")[0]);
    await sys.write(1, enc.encode(JSON.stringify({ status, start: Number(stat[21]), uptime })));
    return 0;
  };
  const k = new Kernel({ builtins: { probe } });
  try {
    await new Promise((r) => setTimeout(r, 300)); // the process starts well after boot
    const h = await k.spawn({ argv: ["probe"], fs: minimalRoot(k), cloneFlags: CLONE.NEWPID });
    const out = JSON.parse(await new Response(h.stdout).text());
    const line = (name: string) => new RegExp(`\\n${name}:\\t([^\\n]*)\\n`).exec(out.status)?.[1];
    assertEquals(line("SigCgt"), (1n << 9n).toString(16).padStart(16, "0"));
    assertEquals(line("SigIgn"), (1n << 12n).toString(16).padStart(16, "0"));
    assertEquals(line("SigBlk"), (1n << 1n).toString(16).padStart(16, "0"));
    assertEquals(line("CapEff"), "000001ffffffffff", "root has every capability");
    assertEquals(line("NSpid"), "1", "its own PID namespace only");
    match(line("VmHWM") ?? "", /^ +\d+ kB$/);
    // Ticks since boot: at least the 300 ms waited, at most the uptime it read.
    ok(out.start >= 30 && out.start <= Math.ceil(out.uptime * 100), JSON.stringify(out.start));
  } finally {
    await k.shutdown();
  }
});
