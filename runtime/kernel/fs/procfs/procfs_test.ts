import assert from "node:assert/strict";
import { Errno } from "../../errno.ts";
import { AT, O, type Stat } from "../../syscalls/api.ts";
import type { Task } from "../../task.ts";
import { close, getdents64, openat, read, write } from "../../syscalls/sys_file.ts";
import { chdir, fstatat, mkdirat, readlinkat } from "../../syscalls/sys_file_meta.ts";
import { mount } from "../../syscalls/sys_mount.ts";
import { pipe2 } from "../../syscalls/sys_pipe.ts";
import { makeTask, testRoot, type TestTask } from "../../vfs/_test_task.ts";
import { FsState } from "../../vfs/fs_state.ts";
import type { ProcInfo, ProcSource } from "./proc_source.ts";
import { procFsType } from "./procfs.ts";

const dec = new TextDecoder();

/** A small process table over real test tasks (the kernel implements the real one). */
function source(tasks: TestTask[], limits = { memTotal: 256 << 20, memUsed: 16 << 20, cpus: 2 }) {
  const pidOf = (t: Task) => tasks.indexOf(t as TestTask) + 1;
  const src: ProcSource = {
    pids: () => tasks.map((_, i) => i + 1),
    pidOf: (_v, t) => pidOf(t),
    info: (_v, pid): ProcInfo | undefined => {
      const t = tasks[pid - 1];
      if (!t) return undefined;
      return {
        pid,
        ppid: pid === 1 ? 0 : 1,
        pgid: 1,
        sid: 1,
        comm: pid === 1 ? "init" : "sh",
        state: "S",
        argv: ["/bin/sh", "-c", "x"],
        env: ["PATH=/bin"],
        cred: t.cred,
        startMs: 2500, // ms after boot
        utimeUs: 20000,
        stimeUs: 0,
        rssBytes: 1 << 20,
        exe: "/bin/sh",
        cgroup: "/",
        fs: t.fs instanceof FsState ? t.fs : null,
        ns: { pid: { id: 4026531836, ns: "pidns" }, mnt: { id: 4026531840, ns: "mntns" } },
      };
    },
    limits: () => limits,
    uptime: () => ({ seconds: 12.5, idle: 3 }),
    loadavg: () => ({ avg: [0.5, 0.25, 0], running: 1, total: tasks.length, lastPid: 2 }),
    cpuTimes: () => ({ user: 1e6, system: 5e5, idle: 1e7 }),
    release: () => "6.1.0-berth",
  };
  return src;
}

function readAll(task: TestTask, path: string): string | number {
  const fd = openat(task, AT.FDCWD, path, O.RDONLY, 0);
  if (typeof fd !== "number" || fd < 0) return fd as number;
  const buf = new Uint8Array(65536);
  let out = "";
  for (;;) {
    const n = read(task, fd, buf) as number;
    if (n <= 0) break;
    out += dec.decode(buf.subarray(0, n));
  }
  close(task, fd);
  return out;
}

function procRoot(limits?: { memTotal: number; memUsed: number; cpus: number }) {
  const r = testRoot();
  const tasks: TestTask[] = [r.task];
  r.fs.mountNs.fsTypes.set("proc", procFsType(source(tasks, limits)));
  mkdirat(r.task, AT.FDCWD, "/proc", 0o555);
  assert.equal(mount(r.task, "proc", "/proc", "proc", 0, ""), 0);
  const child = makeTask(r.fs.fork(), { uid: 1000 });
  tasks.push(child);
  return { ...r, tasks, child };
}

Deno.test("procfs: self, PID dirs, cmdline, status, stat", () => {
  const { task, child } = procRoot();
  assert.equal(readlinkat(task, AT.FDCWD, "/proc/self"), "1");
  assert.equal(readlinkat(child, AT.FDCWD, "/proc/self"), "2");
  assert.equal(readAll(child, "/proc/self/cmdline"), "/bin/sh\0-c\0x\0");
  assert.match(readAll(task, "/proc/2/status") as string, /Uid:\t1000\t1000/);
  const stat = (readAll(task, "/proc/1/stat") as string).split(" ");
  assert.equal(stat[0], "1");
  assert.equal(stat[1], "(init)");
  assert.equal(stat.length, 52);
  assert.equal(stat[21], "250", "starttime: clock ticks after boot (2.5 s at 100 Hz)");
  const fd = openat(task, AT.FDCWD, "/proc", O.RDONLY | O.DIRECTORY, 0) as number;
  const names = (getdents64(task, fd) as { name: string }[]).map((e) => e.name);
  assert.ok(names.includes("1") && names.includes("2") && names.includes("meminfo"));
  assert.equal(fstatat(task, AT.FDCWD, "/proc/3", 0), Errno.ENOENT);
  assert.equal(readAll(task, "/proc/1/environ"), "PATH=/bin\0");
  assert.equal(readAll(child, "/proc/1/environ"), Errno.EACCES, "environ is 0400");
});

Deno.test("procfs: meminfo and cpuinfo show the container's limits (lxcfs-style)", () => {
  const { task } = procRoot({ memTotal: 64 << 20, memUsed: 4 << 20, cpus: 3 });
  const mem = readAll(task, "/proc/meminfo") as string;
  assert.match(mem, /^MemTotal: +65536 kB$/m);
  assert.match(mem, /^MemFree: +61440 kB$/m);
  const cpu = readAll(task, "/proc/cpuinfo") as string;
  assert.equal(cpu.match(/^processor/gm)?.length, 3);
  assert.match(readAll(task, "/proc/stat") as string, /^cpu2 /m);
  assert.match(readAll(task, "/proc/loadavg") as string, /^0\.50 0\.25 0\.00 1\/2 2$/m);
  assert.match(readAll(task, "/proc/uptime") as string, /^12\.50 3\.00$/m);
  assert.match(readAll(task, "/proc/version") as string, /^Linux version 6\.1\.0-berth/);
  assert.match(readAll(task, "/proc/filesystems") as string, /nodev\ttmpfs/);
});

Deno.test("procfs: cwd/root/fd magic links, mounts and mountinfo relative to the reader", () => {
  const { task } = procRoot();
  mkdirat(task, AT.FDCWD, "/work", 0o755);
  chdir(task, "/work");
  assert.equal(readlinkat(task, AT.FDCWD, "/proc/self/cwd"), "/work");
  assert.equal(readlinkat(task, AT.FDCWD, "/proc/self/root"), "/");
  const fd = openat(task, AT.FDCWD, "/work/f", O.CREAT | O.WRONLY, 0o644) as number;
  assert.equal(readlinkat(task, AT.FDCWD, `/proc/self/fd/${fd}`), "/work/f");
  assert.equal((fstatat(task, AT.FDCWD, "/proc/self/cwd", 0) as Stat).mode & 0o170000, 0o040000);
  const mounts = readAll(task, "/proc/mounts") as string;
  assert.match(mounts, /^rootfs \/ tmpfs rw 0 0$/m);
  assert.match(mounts, /^proc \/proc proc rw,nosuid,nodev,noexec 0 0$/m);
  assert.match(readAll(task, "/proc/self/mountinfo") as string, / \/proc rw - proc proc /);
  assert.equal(readlinkat(task, AT.FDCWD, "/proc/self/ns/pid"), "pid:[4026531836]");
  close(task, fd);
});

Deno.test("procfs: /proc/self/fd/N of a pipe reopens the pipe (as /dev/stdout does)", () => {
  const { task } = procRoot();
  const [r, w] = pipe2(task, 0) as [number, number];
  assert.match(readlinkat(task, AT.FDCWD, `/proc/self/fd/${w}`) as string, /^pipe:\[\d+\]$/);
  const again = openat(task, AT.FDCWD, `/proc/self/fd/${w}`, O.WRONLY, 0) as number;
  assert.ok(again >= 0, `reopen: ${again}`);
  assert.equal(write(task, again, new TextEncoder().encode("hey")), 3);
  close(task, again);
  close(task, w);
  const buf = new Uint8Array(8);
  assert.equal(read(task, r, buf), 3);
  assert.equal(read(task, r, buf), 0, "the reopened end was released");
});

Deno.test("procfs: fd/ of another user's process is not readable; mount over /proc/self/root stays inside", () => {
  const { task, child } = procRoot();
  assert.equal(openat(child, AT.FDCWD, "/proc/1/fd", O.RDONLY | O.DIRECTORY, 0), Errno.EACCES);
  // Mounting over /proc/self/root mounts over the caller's own root: nothing outside.
  assert.equal(mount(task, "tmpfs", "/proc/self/root", "tmpfs", 0, ""), 0);
  assert.equal(typeof fstatat(task, AT.FDCWD, "/proc/self/root/..", 0), "object");
  assert.equal(typeof fstatat(task, AT.FDCWD, "/proc", 0), "object", "old root still visible");
});

Deno.test("procfs: /proc/sys answers the common sysctls read-only", () => {
  const { task } = procRoot();
  assert.equal(readAll(task, "/proc/sys/kernel/ostype"), "Linux\n");
  assert.equal(readAll(task, "/proc/sys/kernel/osrelease"), "6.1.0-berth\n");
  assert.equal(readAll(task, "/proc/sys/fs/pipe-max-size"), "1048576\n");
  assert.equal(openat(task, AT.FDCWD, "/proc/sys/kernel/ostype", O.WRONLY, 0), Errno.EACCES);
});

Deno.test("procfs: mountinfo shows a bind mount's root inside its file system; task/PID exists", () => {
  const { task } = procRoot();
  mkdirat(task, AT.FDCWD, "/data", 0o755);
  mkdirat(task, AT.FDCWD, "/data/sub", 0o755);
  mkdirat(task, AT.FDCWD, "/view", 0o755);
  assert.equal(mount(task, "/data/sub", "/view", "", 4096, ""), 0);
  assert.match(readAll(task, "/proc/self/mountinfo") as string, / \/data\/sub \/view rw - tmpfs /);
  assert.equal(readAll(task, "/proc/self/task/1/comm"), "init\n");
  assert.equal(readlinkat(task, AT.FDCWD, "/proc/thread-self"), "1/task/1");
});
