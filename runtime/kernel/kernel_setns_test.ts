import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { Errno } from "./errno.ts";
import type { BuiltinMain } from "./executor.ts";
import { Kernel } from "./kernel.ts";
import { minimalRoot } from "./minimal_root.ts";
import { AT, CLONE, O, type Syscalls } from "./syscalls/api.ts";

const enc = new TextEncoder();
const IPC_CREAT = 0o1000;
const MSG_KEY = 0x5e75;

/** Mount procfs at /proc of the caller's root (minimalRoot has no /proc). */
function procfs(sys: Syscalls): void {
  sys.mkdirat(AT.FDCWD, "/proc", 0o555);
  sys.mount("proc", "/proc", "proc", 0, "");
}

/**
 * A process that makes namespaces worth joining: its own UTS, IPC, PID and mount
 * namespaces, a hostname, a message queue, and a tmpfs at /shared with a file in it.
 */
const holder: BuiltinMain = async (sys) => {
  sys.sethostname("held");
  sys.msgget(MSG_KEY, IPC_CREAT | 0o600);
  sys.mkdirat(AT.FDCWD, "/shared", 0o755);
  sys.mount("tmpfs", "/shared", "tmpfs", 0, "");
  const fd = await sys.openat(AT.FDCWD, "/shared/mark", O.WRONLY | O.CREAT, 0o644);
  sys.close(fd);
  await sys.write(1, enc.encode("ready\n"));
  await sys.nanosleep({ sec: 60, nsec: 0 });
  return 0;
};

/** Prints its pid (as its PID namespace numbers it). */
const whoami: BuiltinMain = async (sys) => {
  await sys.write(1, enc.encode(`${sys.getpid()}`));
  return 0;
};

/** Start the holder and wait until its namespaces are set up. */
async function startHolder(k: Kernel): Promise<number> {
  const h = await k.spawn({
    argv: ["holder"],
    fs: minimalRoot(k),
    cloneFlags: CLONE.NEWUTS | CLONE.NEWIPC | CLONE.NEWPID | CLONE.NEWNS,
  });
  const rd = h.stdout!.getReader();
  await rd.read();
  rd.releaseLock();
  return h.pid;
}

Deno.test("setns answers Linux's errors: EBADF, EINVAL for a file or the wrong type, EPERM for non-root", async () => {
  const joiner: BuiltinMain = async (sys, argv) => {
    procfs(sys);
    const uts = await sys.openat(AT.FDCWD, `/proc/${argv[1]}/ns/uts`, O.RDONLY, 0);
    const file = await sys.openat(AT.FDCWD, "/proc/self/status", O.RDONLY, 0);
    // With argv[2] = "drop", the caller gives up root first (the descriptor stays open).
    const dropped = argv[2] === "drop" ? sys.setuid(1000) : null;
    const results = {
      dropped,
      badFd: sys.setns(999, 0),
      plainFile: sys.setns(file, 0),
      wrongType: sys.setns(uts, CLONE.NEWIPC),
      anyType: sys.setns(uts, 0),
      hostname: sys.uname().nodename,
    };
    await sys.write(1, enc.encode(JSON.stringify(results)));
    return 0;
  };
  const k = new Kernel({ builtins: { holder, joiner }, hostname: "host" });
  try {
    const pid = await startHolder(k);
    const asRoot = await k.spawn({ argv: ["joiner", String(pid)], fs: minimalRoot(k) });
    assertEquals(JSON.parse(await new Response(asRoot.stdout).text()), {
      dropped: null,
      badFd: Errno.EBADF,
      plainFile: Errno.EINVAL,
      wrongType: Errno.EINVAL,
      anyType: 0,
      hostname: "held",
    });
    const asUser = await k.spawn({ argv: ["joiner", String(pid), "drop"], fs: minimalRoot(k) });
    const user = JSON.parse(await new Response(asUser.stdout).text());
    assertEquals([user.dropped, user.anyType, user.hostname], [0, Errno.EPERM, "host"]);
  } finally {
    await k.shutdown();
  }
});

Deno.test("setns into IPC, PID and mount namespaces: their message queues, pid numbers and mounts", async () => {
  const joiner: BuiltinMain = async (sys, argv) => {
    procfs(sys);
    const ns = async (kind: string) =>
      await sys.openat(AT.FDCWD, `/proc/${argv[1]}/ns/${kind}`, O.RDONLY, 0);
    const [ipc, pid, mnt] = [await ns("ipc"), await ns("pid"), await ns("mnt")];
    const child = async () => {
      const [r, w] = sys.pipe2(0) as [number, number];
      const c = await sys.spawn({
        path: "whoami",
        argv: ["whoami"],
        fileActions: [{ op: "dup2", fd: w, newfd: 1 }],
      });
      sys.close(w);
      const buf = new Uint8Array(16);
      const n = await sys.read(r, buf);
      sys.close(r);
      await sys.wait4(c as number, 0);
      return Number(new TextDecoder().decode(buf.subarray(0, n as number)));
    };
    const seen = (path: string) => sys.fstatat(AT.FDCWD, path, 0) !== Errno.ENOENT;
    const before = {
      queue: sys.msgget(MSG_KEY, 0) >= 0,
      childPid: await child(),
      mark: seen("/shared/mark"),
    };
    const joined = [sys.setns(ipc, CLONE.NEWIPC), sys.setns(pid, CLONE.NEWPID)];
    joined.push(sys.setns(mnt, CLONE.NEWNS));
    const after = {
      queue: sys.msgget(MSG_KEY, 0) >= 0,
      childPid: await child(),
      mark: seen("/shared/mark"),
    };
    await sys.write(1, enc.encode(JSON.stringify({ before, joined, after, me: sys.getpid() })));
    return 0;
  };
  const k = new Kernel({ builtins: { holder, joiner, whoami } });
  try {
    const holderPid = await startHolder(k);
    const j = await k.spawn({ argv: ["joiner", String(holderPid)], fs: minimalRoot(k) });
    const out = JSON.parse(await new Response(j.stdout).text());
    assertEquals(out.before.queue, false);
    assertEquals(out.before.mark, false);
    assertEquals(out.joined, [0, 0, 0]);
    // The holder is pid 1 of its namespace: the first child made there is pid 2, while the
    // joiner keeps its own pid (setns of a PID namespace applies to children, as on Linux).
    assertEquals(out.after, { queue: true, childPid: 2, mark: true });
    assertEquals(out.me, j.pid);
    assertEquals(out.before.childPid > 2, true);
  } finally {
    await k.shutdown();
  }
});
