import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { Errno } from "./errno.ts";
import type { BuiltinMain } from "./executor.ts";
import { Kernel } from "./kernel.ts";
import { minimalRoot } from "./minimal_root.ts";
import { SIG } from "./signals.ts";
import { AT, CLONE, O, type Syscalls } from "./syscalls/api.ts";
import { OVERFLOW_ID, UserNamespace, writeIdMap } from "./user_namespace.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

Deno.test("id maps: written once by the parent namespace, ranges checked, unprivileged writers map only their own id", () => {
  const init = new UserNamespace(null);
  const root = { ns: init, euid: 0, egid: 0 };
  const user = { ns: init, euid: 1000, egid: 1000 };
  const a = new UserNamespace(init, 1000);
  assertEquals(a.fromKernel("uid", 0), OVERFLOW_ID, "no map yet");
  assertEquals(writeIdMap(a, "uid", "0 0 1", user), Errno.EPERM, "not its own id");
  assertEquals(writeIdMap(a, "uid", "0 1000 2", user), Errno.EPERM, "more than its own id");
  assertEquals(writeIdMap(a, "uid", "0 1000", user), Errno.EINVAL);
  assertEquals(writeIdMap(a, "uid", "0 1000 0", user), Errno.EINVAL);
  assertEquals(writeIdMap(a, "uid", "0 1000 1\n", user), 0);
  assertEquals(writeIdMap(a, "uid", "0 1000 1\n", user), Errno.EPERM, "written once");
  const nobody = { ns: init, euid: 65534, egid: 65534 };
  assertEquals(writeIdMap(a, "gid", "0 65534 1", nobody), Errno.EPERM, "not the owner");
  assertEquals(writeIdMap(a, "gid", "0 1000 1", user), 0);
  assertEquals(a.setgroupsAllowed, false, "an unprivileged gid map allows no setgroups");
  assertEquals([a.toKernel("uid", 0), a.toKernel("uid", 1), a.fromKernel("uid", 1000)], [
    1000,
    null,
    0,
  ]);

  const b = new UserNamespace(init);
  assertEquals(writeIdMap(b, "gid", "0 100000 10\n5 200 1", root), Errno.EINVAL, "overlap");
  assertEquals(writeIdMap(b, "gid", "0 100000 10\n10 100005 1", root), Errno.EINVAL);
  assertEquals(writeIdMap(b, "gid", "0 100000 10\n10 0 1", root), 0);
  assertEquals([b.toKernel("gid", 9), b.toKernel("gid", 10), b.fromKernel("gid", 100003)], [
    100009,
    0,
    3,
  ]);
  assertEquals(
    b.mapText("gid", init),
    "         0     100000         10\n        10          0          1\n",
  );

  // A nested namespace maps through its parent: only ids mapped there, by the parent's root.
  assertEquals(writeIdMap(b, "uid", "0 100000 10", root), 0);
  assertEquals(b.setgroupsAllowed, true);
  const c = new UserNamespace(b, 100000);
  const bRoot = { ns: b, euid: 100000, egid: 100000 };
  assertEquals(writeIdMap(c, "gid", "0 0 1", root), Errno.EPERM, "the writer is not in the parent");
  assertEquals(writeIdMap(c, "gid", "0 5 20", bRoot), Errno.EPERM, "11..24 unmapped in b");
  assertEquals(writeIdMap(c, "gid", "0 5 5", bRoot), 0);
  assertEquals([c.toKernel("gid", 0), c.mapText("gid", b), c.mapText("gid", init)], [
    100005,
    "         0          5          5\n",
    "         0     100005          5\n",
  ]);
});

/** What the child saw, filled by its program. */
type Seen = Record<string, number | string>;

function statUid(sys: Syscalls, path: string): number {
  const st = sys.fstatat(AT.FDCWD, path, 0);
  return typeof st === "number" ? st : st.uid;
}

async function writeText(sys: Syscalls, path: string, text: string): Promise<number> {
  const fd = await sys.openat(AT.FDCWD, path, O.WRONLY | O.TRUNC, 0);
  if (typeof fd !== "number" || fd < 0) return fd as number;
  const r = await sys.write(fd, enc.encode(text));
  sys.close(fd);
  return typeof r === "number" && r < 0 ? r : 0;
}

async function readText(sys: Syscalls, path: string): Promise<string> {
  const fd = await sys.openat(AT.FDCWD, path, O.RDONLY, 0);
  if (typeof fd !== "number" || fd < 0) return `error ${fd}`;
  const buf = new Uint8Array(4096);
  const n = await sys.read(fd, buf);
  sys.close(fd);
  return typeof n === "number" && n >= 0 ? dec.decode(buf.subarray(0, n)) : `error ${n}`;
}

/**
 * A child in a new user namespace: records its ids before the map, tells the parent on fd
 * `argv[1]`, waits for a USR1 (the maps are written), then probes ids, files and setuid.
 */
function child(seen: Seen): BuiltinMain {
  return async (sys, argv) => {
    sys.sigaction(SIG.USR1, () => {});
    seen.before = sys.getuid();
    seen.beforeSecret = await sys.openat(AT.FDCWD, "/secret", O.RDONLY, 0) as number;
    await sys.write(Number(argv[1]), enc.encode("x"));
    await sys.pause();
    if (argv[2] === "setuid") seen.setuid0 = sys.setuid(0) as number;
    seen.uid = sys.getuid();
    seen.gid = sys.getgid();
    const fd = await sys.openat(AT.FDCWD, "/tmp/mine", O.WRONLY | O.CREAT, 0o600);
    if (typeof fd === "number" && fd >= 0) sys.close(fd);
    seen.mineInside = statUid(sys, "/tmp/mine");
    seen.secretOwner = statUid(sys, "/secret");
    seen.secret = await sys.openat(AT.FDCWD, "/secret", O.RDONLY, 0) as number;
    seen.chownOwn = sys.fchownat(AT.FDCWD, "/tmp/mine", 0, -1, 0);
    seen.chownUnmapped = sys.fchownat(AT.FDCWD, "/tmp/mine", 4000, -1, 0);
    seen.setuidUnmapped = sys.setuid(4000) as number;
    seen.setgroups = sys.setgroups([0]);
    seen.ownMap = await readText(sys, "/proc/self/uid_map");
    const status = await readText(sys, "/proc/self/status");
    seen.statusUid = status.split("\n").find((l) => l.startsWith("Uid:")) ?? "";
    if (argv[2] === "setuid") {
      // Leaving root inside drops the namespace's capabilities for good.
      seen.to5 = sys.setuid(5) as number;
      seen.back0 = sys.setuid(0) as number;
      seen.uidAfter = sys.getuid();
    }
    return 0;
  };
}

/** Runs `driver` as root with /proc and a root-only /secret. */
async function runDriver(k: Kernel): Promise<number> {
  const h = await k.spawn({
    argv: ["driver"],
    fs: minimalRoot(k, { files: { "/secret": "s\n" }, fileMode: 0o600 }),
    mounts: [{ source: "proc", target: "/proc", fstype: "proc" }],
  });
  return (await h.wait()).exitCode;
}

/** The driver's part: spawn the child in a new user namespace, write its maps, wake it. */
async function spawnAndMap(
  sys: Syscalls,
  seen: Seen,
  maps: { uid: string; gid: string; bad: string },
  mode = "",
): Promise<number> {
  const [r, w] = sys.pipe2(0) as [number, number];
  const pid = await sys.spawn({
    path: "child",
    argv: ["child", String(w), mode],
    cloneFlags: CLONE.NEWUSER,
  });
  if (typeof pid !== "number" || pid < 0) return 1;
  await sys.read(r, new Uint8Array(1));
  seen.badMap = await writeText(sys, `/proc/${pid}/uid_map`, maps.bad);
  seen.uidMap = await writeText(sys, `/proc/${pid}/uid_map`, maps.uid);
  seen.gidMap = await writeText(sys, `/proc/${pid}/gid_map`, maps.gid);
  seen.again = await writeText(sys, `/proc/${pid}/uid_map`, maps.uid);
  seen.mapSeenByParent = await readText(sys, `/proc/${pid}/uid_map`);
  sys.kill(pid, SIG.USR1);
  const st = await sys.wait4(pid, 0);
  if (typeof st === "number") return 2;
  seen.mineOutside = statUid(sys, "/tmp/mine");
  return 0;
}

Deno.test("CLONE_NEWUSER by an unprivileged parent: '0 1000 1' makes it root inside, owning its files, powerless over unmapped ones", async () => {
  const seen: Seen = {};
  const driver: BuiltinMain = async (sys) => {
    if (sys.setgid(1000) !== 0 || sys.setuid(1000) !== 0) return 9;
    return await spawnAndMap(sys, seen, { uid: "0 1000 1\n", gid: "0 1000 1\n", bad: "0 0 1\n" });
  };
  const k = new Kernel({ builtins: { driver, child: child(seen) } });
  try {
    assertEquals(await runDriver(k), 0);
    assertEquals(seen, {
      before: OVERFLOW_ID,
      beforeSecret: Errno.EACCES,
      badMap: Errno.EPERM,
      uidMap: 0,
      gidMap: 0,
      again: Errno.EPERM,
      mapSeenByParent: "         0       1000          1\n",
      uid: 0,
      gid: 0,
      mineInside: 0,
      secretOwner: OVERFLOW_ID,
      secret: Errno.EACCES,
      chownOwn: 0,
      chownUnmapped: Errno.EINVAL,
      setuidUnmapped: Errno.EINVAL,
      setgroups: Errno.EPERM, // an unprivileged gid map: no dropping of groups
      ownMap: "         0          0          1\n",
      statusUid: "Uid:\t0\t0\t0\t0",
      mineOutside: 1000,
    });
  } finally {
    await k.shutdown();
  }
});

Deno.test("CLONE_NEWUSER by root: the child loses kernel root, then setuid(0) inside makes it the mapped 100000", async () => {
  const seen: Seen = {};
  const driver: BuiltinMain = (sys) =>
    spawnAndMap(sys, seen, {
      uid: "0 100000 1000\n",
      gid: "0 100000 1000\n",
      bad: "0 100000 10\n5 200000 1\n", // overlapping inside ranges
    }, "setuid");
  const k = new Kernel({ builtins: { driver, child: child(seen) } });
  try {
    assertEquals(await runDriver(k), 0);
    assertEquals(seen, {
      before: OVERFLOW_ID,
      beforeSecret: Errno.EACCES,
      badMap: Errno.EINVAL,
      uidMap: 0,
      gidMap: 0,
      again: Errno.EPERM,
      mapSeenByParent: "         0     100000       1000\n",
      setuid0: 0,
      uid: 0,
      gid: OVERFLOW_ID, // it never called setgid(0): the kernel gid it got is unmapped
      mineInside: 0,
      secretOwner: OVERFLOW_ID,
      secret: Errno.EACCES,
      chownOwn: 0,
      chownUnmapped: Errno.EINVAL,
      setuidUnmapped: Errno.EINVAL,
      setgroups: 0,
      ownMap: "         0          0       1000\n",
      statusUid: "Uid:\t0\t0\t0\t0",
      to5: 0,
      back0: Errno.EPERM,
      uidAfter: 5,
      mineOutside: 100000,
    });
  } finally {
    await k.shutdown();
  }
});

Deno.test("unshare(CLONE_NEWUSER): any process may, root loses its kernel powers, /proc/self/ns/user changes", async () => {
  const seen: Seen = {};
  const prog: BuiltinMain = async (sys) => {
    const link = () => {
      const r = sys.readlinkat(AT.FDCWD, "/proc/self/ns/user");
      return typeof r === "string" ? r : `error ${r}`;
    };
    const before = link();
    seen.linkBefore = /^user:\[\d+\]$/.test(before) ? "user:[n]" : before;
    seen.unshare = sys.unshare(CLONE.NEWUSER);
    seen.linkChanged = String(link() !== before);
    seen.uid = sys.getuid();
    seen.secret = await sys.openat(AT.FDCWD, "/secret", O.RDONLY, 0) as number;
    seen.mount = sys.mount("tmpfs", "/tmp", "tmpfs", 0, "");
    seen.newNs = sys.unshare(CLONE.NEWNS);
    return 0;
  };
  const k = new Kernel({ builtins: { driver: prog } });
  try {
    assertEquals(await runDriver(k), 0);
    assertEquals(seen, {
      linkBefore: "user:[n]",
      unshare: 0,
      linkChanged: "true",
      uid: OVERFLOW_ID,
      secret: Errno.EACCES,
      mount: Errno.EPERM,
      newNs: Errno.EPERM,
    });
  } finally {
    await k.shutdown();
  }
});

Deno.test("a namespace whose map holds kernel root (written by root) keeps it for the children of its root", async () => {
  const seen: Seen = {};
  const grandchild: BuiltinMain = async (sys) => {
    seen.gcUid = sys.getuid();
    seen.gcSecret = await readText(sys, "/secret");
    return 0;
  };
  const kid: BuiltinMain = async (sys, argv) => {
    sys.sigaction(SIG.USR1, () => {});
    await sys.write(Number(argv[1]), enc.encode("x"));
    await sys.pause();
    seen.setuid0 = sys.setuid(0) as number;
    const pid = await sys.spawn({ path: "grandchild", argv: ["grandchild"] });
    if (typeof pid !== "number" || pid < 0) return 1;
    await sys.wait4(pid, 0);
    return 0;
  };
  const driver: BuiltinMain = async (sys) => {
    const [r, w] = sys.pipe2(0) as [number, number];
    const pid = await sys.spawn({
      path: "kid",
      argv: ["kid", String(w)],
      cloneFlags: CLONE.NEWUSER,
    });
    if (typeof pid !== "number" || pid < 0) return 1;
    await sys.read(r, new Uint8Array(1));
    seen.map = await writeText(sys, `/proc/${pid}/uid_map`, "0 0 1\n");
    sys.kill(pid, SIG.USR1);
    const st = await sys.wait4(pid, 0);
    return typeof st === "number" ? 2 : 0;
  };
  const k = new Kernel({ builtins: { driver, kid, grandchild } });
  try {
    assertEquals(await runDriver(k), 0);
    assertEquals(seen, { map: 0, setuid0: 0, gcUid: 0, gcSecret: "s\n" });
  } finally {
    await k.shutdown();
  }
});
