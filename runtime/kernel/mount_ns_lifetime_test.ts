import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import type { BuiltinMain } from "./executor.ts";
import { Kernel } from "./kernel.ts";
import { minimalRoot } from "./minimal_root.ts";
import type { ProcessHandle } from "./process_handle.ts";
import { SIG } from "./signals.ts";
import { AT, CLONE, O, type Syscalls } from "./syscalls/api.ts";
import type { FsState } from "./vfs/fs_state.ts";

const enc = new TextEncoder();
const MIB = 1024 * 1024;
const say = (sys: Syscalls, text: string) => sys.write(1, enc.encode(text));

/** Writes 1 MiB to /data/f, says "filled", then sleeps until a USR1 (or forever). */
const filler: BuiltinMain = async (sys) => {
  sys.sigaction(SIG.USR1, () => {});
  const fd = await sys.openat(AT.FDCWD, "/data/f", O.WRONLY | O.CREAT, 0o644);
  if (typeof fd !== "number" || fd < 0) return 2;
  for (let i = 0; i < 16; i++) {
    if ((await sys.write(fd, new Uint8Array(64 * 1024).fill(1))) !== 64 * 1024) return 3;
  }
  sys.close(fd);
  await say(sys, "filled\n");
  await sys.pause();
  return 0;
};

const sleeper: BuiltinMain = async (sys) => {
  sys.sigaction(SIG.USR1, () => {});
  await say(sys, "up\n");
  await sys.pause();
  return 0;
};

const idler: BuiltinMain = async (sys) => {
  await sys.pause();
  return 0;
};

function memCurrent(k: Kernel, path: string): number {
  return Number(k.cgroups.readFile(path, "memory.current"));
}

/** The first line a process prints. */
async function firstLine(h: ProcessHandle): Promise<string> {
  const reader = h.stdout!.getReader();
  const { value } = await reader.read();
  reader.releaseLock();
  return new TextDecoder().decode(value);
}

Deno.test("the last process of a mount namespace exits: its tmpfs is destroyed and memory.current goes back to 0", async () => {
  const k = new Kernel({ builtins: { filler } });
  try {
    k.cgroups.create("/c");
    const h = await k.spawn({
      argv: ["filler"],
      cgroup: "/c",
      fs: minimalRoot(k),
      cloneFlags: CLONE.NEWNS,
      mounts: [{ source: "tmpfs", target: "/data", fstype: "tmpfs" }],
    });
    assertEquals(await firstLine(h), "filled\n");
    const ns = (h.process.fs as FsState).mountNs;
    const tmp = ns.list().find((m) => m.fs.type === "tmpfs" && m.parent)!;
    ok(memCurrent(k, "/c") >= MIB, `charged ${memCurrent(k, "/c")}`);
    h.kill(SIG.TERM);
    await h.wait();
    assertEquals(memCurrent(k, "/c"), 0);
    ok(k.mountNamespaces.isDestroyed(tmp.fs));
    assertEquals(ns.list().length, 1, "the dead namespace keeps only its root mount");
    assertEquals(k.mountNamespaces.users(ns), 0);
  } finally {
    await k.shutdown();
  }
});

Deno.test("a mount namespace lives while any process uses it: a joined process keeps the tmpfs", async () => {
  const k = new Kernel({ builtins: { filler, sleeper } });
  try {
    k.cgroups.create("/c");
    const a = await k.spawn({
      argv: ["filler"],
      cgroup: "/c",
      fs: minimalRoot(k),
      cloneFlags: CLONE.NEWNS,
      mounts: [{ source: "tmpfs", target: "/data", fstype: "tmpfs" }],
    });
    assertEquals(await firstLine(a), "filled\n");
    // `docker exec`: the joiner shares a's namespaces (and so its mount namespace).
    const b = await k.spawn({ argv: ["sleeper"], joinPid: a.process.id });
    assertEquals(await firstLine(b), "up\n");
    const ns = (a.process.fs as FsState).mountNs;
    assertEquals(k.mountNamespaces.users(ns), 2);
    a.kill(SIG.USR1);
    await a.wait();
    ok(memCurrent(k, "/c") >= MIB, "the joiner still uses the namespace: data kept");
    b.kill(SIG.USR1);
    await b.wait();
    assertEquals(memCurrent(k, "/c"), 0);
  } finally {
    await k.shutdown();
  }
});

Deno.test("a child with its own copy of the namespace (CLONE_NEWNS) keeps a shared tmpfs until it exits too", async () => {
  const parent: BuiltinMain = async (sys) => {
    const fd = await sys.openat(AT.FDCWD, "/data/f", O.WRONLY | O.CREAT, 0o644);
    if (typeof fd !== "number" || fd < 0) return 2;
    await sys.write(fd, new Uint8Array(MIB));
    sys.close(fd);
    const pid = await sys.spawn({ path: "idler", argv: ["idler"], cloneFlags: CLONE.NEWNS });
    if (typeof pid !== "number" || pid < 0) return 1;
    await say(sys, `${pid}\n`);
    return 0;
  };
  const k = new Kernel({ builtins: { parent, idler } });
  try {
    k.cgroups.create("/c");
    const h = await k.spawn({
      argv: ["parent"],
      cgroup: "/c",
      fs: minimalRoot(k),
      cloneFlags: CLONE.NEWNS,
      mounts: [{ source: "tmpfs", target: "/data", fstype: "tmpfs" }],
    });
    const child = k.procs.get(Number(await firstLine(h)));
    assertEquals((await h.wait()).exitCode, 0);
    ok(child?.alive, "the child runs on");
    ok(memCurrent(k, "/c") >= MIB, "the child's copy still mounts the tmpfs");
    k.sendSignal(child!, SIG.KILL);
    assertEquals(memCurrent(k, "/c"), 0);
  } finally {
    await k.shutdown();
  }
});

Deno.test("an open /proc/PID/ns/mnt descriptor keeps a mount namespace; closing it and the next exit release it", async () => {
  let holderFd = -1;
  const holder: BuiltinMain = async (sys, argv) => {
    sys.sigaction(SIG.USR1, () => {});
    const fd = await sys.openat(AT.FDCWD, `/proc/${argv[1]}/ns/mnt`, O.RDONLY, 0);
    if (typeof fd !== "number" || fd < 0) return 2;
    holderFd = fd;
    await say(sys, "holding\n");
    await sys.pause();
    sys.close(fd);
    // Any exit after the close lets the kernel look again.
    const pid = await sys.spawn({ path: "idler", argv: ["idler"] });
    if (typeof pid !== "number" || pid < 0) return 3;
    sys.kill(pid, SIG.KILL);
    await sys.wait4(pid, 0);
    await say(sys, "closed\n");
    await sys.pause();
    return 0;
  };
  const k = new Kernel({ builtins: { filler, holder, idler } });
  try {
    k.cgroups.create("/c");
    const a = await k.spawn({
      argv: ["filler"],
      cgroup: "/c",
      fs: minimalRoot(k),
      cloneFlags: CLONE.NEWNS,
      mounts: [{ source: "tmpfs", target: "/data", fstype: "tmpfs" }],
    });
    assertEquals(await firstLine(a), "filled\n");
    const h = await k.spawn({
      argv: ["holder", String(a.process.id)],
      fs: minimalRoot(k),
      cloneFlags: CLONE.NEWNS,
      mounts: [{ source: "proc", target: "/proc", fstype: "proc" }],
    });
    const reader = h.stdout!.getReader();
    assertEquals(new TextDecoder().decode((await reader.read()).value), "holding\n");
    ok(holderFd >= 0);
    a.kill(SIG.USR1);
    await a.wait();
    ok(memCurrent(k, "/c") >= MIB, "held by the ns descriptor");
    h.kill(SIG.USR1);
    assertEquals(new TextDecoder().decode((await reader.read()).value), "closed\n");
    assertEquals(memCurrent(k, "/c"), 0);
    reader.releaseLock();
    h.kill(SIG.KILL);
    await h.wait();
  } finally {
    await k.shutdown();
  }
});

Deno.test("umount2 of a tmpfs frees its data, once no descriptor uses it (MNT_DETACH with a file open)", async () => {
  const seen: Record<string, number> = {};
  const k = new Kernel({ builtins: { idler } });
  const prog: BuiltinMain = async (sys) => {
    let open = -1;
    for (const dir of ["/a", "/b"]) {
      if (sys.mount("tmpfs", dir, "tmpfs", 0, "") !== 0) return 2;
      const fd = await sys.openat(AT.FDCWD, `${dir}/f`, O.WRONLY | O.CREAT, 0o644);
      if (typeof fd !== "number" || fd < 0) return 3;
      await sys.write(fd, new Uint8Array(MIB));
      if (dir === "/a") sys.close(fd);
      else open = fd;
    }
    seen.full = memCurrent(k, "/c");
    if (sys.umount2("/a", 0) !== 0) return 4;
    seen.afterA = memCurrent(k, "/c");
    if (sys.umount2("/b", 2) !== 0) return 5; // MNT_DETACH: /b/f is still open
    seen.afterB = memCurrent(k, "/c");
    sys.close(open);
    const pid = await sys.spawn({ path: "idler", argv: ["idler"] });
    if (typeof pid !== "number" || pid < 0) return 6;
    sys.kill(pid, SIG.KILL);
    await sys.wait4(pid, 0);
    seen.closed = memCurrent(k, "/c");
    return 0;
  };
  try {
    k.cgroups.create("/c");
    const root = minimalRoot(k, { files: { "/a/.keep": "", "/b/.keep": "" } });
    const h = await k.spawn({ argv: ["p"], program: prog, cgroup: "/c", fs: root });
    assertEquals((await h.wait()).exitCode, 0);
    ok(seen.full! >= 2 * MIB, JSON.stringify(seen));
    ok(seen.afterA! < seen.full! - MIB + 64 * 1024, `umount freed /a: ${JSON.stringify(seen)}`);
    ok(seen.afterB! >= seen.afterA! - 64 * 1024, `an open file keeps /b: ${JSON.stringify(seen)}`);
    ok(seen.closed! < MIB, `closed and an exit later, /b is freed: ${JSON.stringify(seen)}`);
    assertEquals(memCurrent(k, "/c"), 0);
  } finally {
    await k.shutdown();
  }
});
