/**
 * Conformance table: the same scripted calls on Berth's VFS and on the host (real Linux
 * system calls through libc, in a temp dir on disk with a tmpfs directory standing for a
 * second mount), comparing the errno of every edge case.
 */
import assert from "node:assert/strict";
import { errnoName } from "../errno.ts";
import { AT, O } from "./api.ts";
import { close, lseek, openat, read, write } from "./sys_file.ts";
import {
  fstatat,
  linkat,
  mkdirat,
  readlinkat,
  renameat2,
  symlinkat,
  truncate,
  unlinkat,
} from "./sys_file_meta.ts";
import { mount } from "./sys_mount.ts";
import { testRoot } from "../vfs/_test_task.ts";
import { host } from "../vfs/_test_libc.ts";
import { dup3, ftruncate } from "./sys_file.ts";

/** The calls a script may make; paths absolute ("/m/..." is on another file system). */
interface World {
  open(p: string, flags: number): number;
  close(fd: number): number;
  read(fd: number, n: number): number;
  write(fd: number, data: string): number;
  lseek(fd: number, off: number, whence: number): number;
  mkdir(p: string): number;
  rmdir(p: string): number;
  unlink(p: string): number;
  rename(a: string, b: string, flags?: number): number;
  link(a: string, b: string): number;
  symlink(t: string, p: string): number;
  readlink(p: string): number;
  stat(p: string): number;
  lstat(p: string): number;
  truncate(p: string, n: number): number;
  ftruncate(fd: number, n: number): number;
  dup2(a: number, b: number): number;
}

const enc = new TextEncoder();
const num = (r: unknown): number => (typeof r === "number" ? r : 0);

function berthWorld(): World {
  const { task } = testRoot();
  task.fs.umask = 0o022;
  mkdirat(task, AT.FDCWD, "/m", 0o755);
  assert.equal(mount(task, "tmpfs", "/m", "tmpfs", 0, ""), 0);
  return {
    open: (p, f) => num(openat(task, AT.FDCWD, p, f, 0o644)),
    close: (fd) => close(task, fd),
    read: (fd, n) => num(read(task, fd, new Uint8Array(n))),
    write: (fd, d) => num(write(task, fd, enc.encode(d))),
    lseek: (fd, off, wh) => lseek(task, fd, off, wh),
    mkdir: (p) => mkdirat(task, AT.FDCWD, p, 0o755),
    rmdir: (p) => unlinkat(task, AT.FDCWD, p, AT.REMOVEDIR),
    unlink: (p) => unlinkat(task, AT.FDCWD, p, 0),
    rename: (a, b, f = 0) => renameat2(task, AT.FDCWD, a, AT.FDCWD, b, f),
    link: (a, b) => linkat(task, AT.FDCWD, a, AT.FDCWD, b, 0),
    symlink: (t, p) => symlinkat(task, t, AT.FDCWD, p),
    readlink: (p) => num(readlinkat(task, AT.FDCWD, p)),
    stat: (p) => num(fstatat(task, AT.FDCWD, p, 0)),
    lstat: (p) => num(fstatat(task, AT.FDCWD, p, AT.SYMLINK_NOFOLLOW)),
    truncate: (p, n) => truncate(task, p, n),
    ftruncate: (fd, n) => ftruncate(task, fd, n),
    dup2: (a, b) => num(dup3(task, a, b, 0)),
  };
}

function hostWorld(root: string, other: string): { world: World; fds: Set<number> } {
  const h = (p: string) => p === "/m" || p.startsWith("/m/") ? other + p.slice(2) : root + p;
  const fds = new Set<number>();
  // Symlink targets are kept inside the temp dirs: only relative targets are used.
  return {
    fds,
    world: {
      open: (p, f) => {
        const fd = host.open(h(p), f | O.CLOEXEC, 0o644);
        if (fd >= 0) fds.add(fd);
        return fd >= 0 ? 0 : fd;
      },
      close: (fd) => host.close(fd),
      read: (fd, n) => host.read(fd, new Uint8Array(n)),
      write: (fd, d) => host.write(fd, enc.encode(d)),
      lseek: (fd, off, wh) => host.lseek(fd, off, wh),
      mkdir: (p) => host.mkdir(h(p), 0o755),
      rmdir: (p) => host.rmdir(h(p)),
      unlink: (p) => host.unlink(h(p)),
      rename: (a, b, f = 0) => host.renameat2(h(a), h(b), f),
      link: (a, b) => host.link(h(a), h(b)),
      symlink: (t, p) => host.symlink(t, h(p)),
      readlink: (p) => {
        const r = host.readlink(h(p));
        return typeof r === "number" ? r : 0;
      },
      stat: (p) => host.stat(h(p)),
      lstat: (p) => host.stat(h(p), AT.SYMLINK_NOFOLLOW),
      truncate: (p, n) => host.truncate(h(p), n),
      ftruncate: (fd, n) => host.ftruncate(fd, n),
      dup2: (a, b) => host.dup2(a, b) >= 0 ? 0 : host.dup2(a, b),
    },
  };
}

/** A case: setup (results ignored) and the calls whose errnos are compared. */
interface Case {
  name: string;
  setup?: (w: World) => void;
  calls: (w: World) => number[];
}

const long = "x".repeat(256);
const CASES: Case[] = [
  {
    name: "ENOENT: missing file, missing parent, dangling symlink",
    setup: (w) => w.symlink("nowhere", "/dangling"),
    calls: (w) => [
      w.stat("/nope"),
      w.open("/nope/x", O.RDONLY),
      w.open("/nope", O.RDONLY),
      w.mkdir("/nope/x"),
      w.unlink("/nope"),
      w.rmdir("/nope"),
      w.stat("/dangling"),
      w.lstat("/dangling"),
      w.open("/dangling", O.RDONLY),
      w.rename("/nope", "/x"),
      w.link("/nope", "/x"),
      w.readlink("/nope"),
    ],
  },
  {
    name: "ENOTDIR: a file used as a directory, trailing slashes, O_DIRECTORY",
    setup: (w) => {
      w.open("/f", O.CREAT | O.WRONLY);
      w.mkdir("/d");
    },
    calls: (w) => [
      w.stat("/f/x"),
      w.stat("/f/"),
      w.open("/f/", O.RDONLY),
      w.open("/f", O.RDONLY | O.DIRECTORY),
      w.mkdir("/f/x"),
      w.rmdir("/f"),
      w.unlink("/f/"),
      w.rename("/d", "/f"),
      w.rename("/f", "/d/x/"),
      w.open("/f/x", O.CREAT | O.WRONLY),
    ],
  },
  {
    name: "EISDIR: writing, truncating or unlinking a directory",
    setup: (w) => w.mkdir("/d"),
    calls: (w) => [
      w.open("/d", O.WRONLY),
      w.open("/d", O.RDWR),
      w.open("/d", O.CREAT | O.WRONLY),
      w.open("/new/", O.CREAT | O.WRONLY),
      w.unlink("/d"),
      w.truncate("/d", 0),
      w.rename("/nofile", "/d"),
    ],
  },
  {
    name: "EEXIST: mkdir, O_EXCL, link and symlink onto an existing name",
    setup: (w) => {
      w.mkdir("/d");
      w.open("/f", O.CREAT | O.WRONLY);
      w.symlink("nowhere", "/dangling");
    },
    calls: (w) => [
      w.mkdir("/d"),
      w.mkdir("/f"),
      w.open("/f", O.CREAT | O.EXCL | O.WRONLY),
      w.open("/dangling", O.CREAT | O.EXCL | O.WRONLY),
      w.link("/f", "/d"),
      w.symlink("x", "/f"),
      w.rename("/f", "/d/../d", 1),
      w.mkdir("/d/."),
      w.mkdir("/"),
    ],
  },
  {
    name: "ENOTEMPTY: rmdir and rename onto a non-empty directory",
    setup: (w) => {
      w.mkdir("/d");
      w.mkdir("/d/sub");
      w.mkdir("/e");
    },
    calls: (w) => [w.rmdir("/d"), w.rename("/e", "/d"), w.rmdir("/d/sub/..")],
  },
  {
    name: "EXDEV: rename and link across mounts",
    setup: (w) => {
      w.open("/f", O.CREAT | O.WRONLY);
      w.mkdir("/d");
    },
    calls: (w) => [w.rename("/f", "/m/f"), w.link("/f", "/m/f"), w.rename("/d", "/m/d")],
  },
  {
    name: "ELOOP: symlink loops and O_NOFOLLOW",
    setup: (w) => {
      w.symlink("a", "/b");
      w.symlink("b", "/a");
      w.symlink("self", "/self");
      w.open("/f", O.CREAT | O.WRONLY);
      w.symlink("f", "/lf");
    },
    calls: (w) => [
      w.stat("/a"),
      w.stat("/self/x"),
      w.open("/a", O.RDONLY),
      w.open("/a", O.CREAT | O.WRONLY),
      w.open("/lf", O.RDONLY | O.NOFOLLOW),
      w.mkdir("/self/x"),
      w.lstat("/self"),
    ],
  },
  {
    name: "ENAMETOOLONG: a 256-byte name, a path over PATH_MAX",
    calls: (w) => [
      w.stat("/" + long),
      w.mkdir("/" + long),
      w.open("/" + long, O.CREAT | O.WRONLY),
      w.stat("/" + "a/".repeat(2100)),
      w.symlink("x", "/" + long),
    ],
  },
  {
    name: "EBADF: closed descriptors, wrong access mode",
    setup: (w) => {
      w.open("/f", O.CREAT | O.WRONLY);
    },
    calls: (w) => {
      w.open("/f", O.RDONLY);
      const out = [w.close(900), w.read(901, 1), w.write(902, "x"), w.dup2(903, 904)];
      return out;
    },
  },
  {
    name: "EINVAL: bad whence, negative offset, rmdir of '.', rename into itself, bad flags",
    setup: (w) => {
      w.mkdir("/d");
      w.mkdir("/d/sub");
      w.open("/f", O.CREAT | O.WRONLY);
    },
    calls: (w) => [
      w.rmdir("/d/."),
      w.rename("/d", "/d/sub/x"),
      w.rename("/f", "/g", 3),
      w.truncate("/f", -1),
      w.readlink("/f"),
    ],
  },
];

/** A host directory on another file system than the temp dir (for EXDEV), if any. */
function otherFsBase(): string | undefined {
  try {
    const tmp = Deno.statSync(Deno.env.get("TMPDIR") ?? "/tmp");
    const shm = Deno.statSync("/dev/shm");
    return shm.isDirectory && shm.dev !== tmp.dev ? "/dev/shm" : undefined;
  } catch {
    return undefined;
  }
}

Deno.test("conformance: errno of edge cases matches the host", async (t) => {
  const otherBase = otherFsBase();
  for (const c of CASES) {
    const needsOtherFs = c.name.startsWith("EXDEV");
    await t.step({
      name: c.name,
      ignore: needsOtherFs && !otherBase,
      fn: async () => await runCase(c, otherBase ?? "/tmp"),
    });
  }
});

async function runCase(c: Case, otherBase: string): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "berth-conf-" });
  const other = await Deno.makeTempDir({ dir: otherBase, prefix: "berth-conf-" });
  const { world: hw, fds } = hostWorld(root, other);
  try {
    const bw = berthWorld();
    c.setup?.(bw);
    c.setup?.(hw);
    const got = c.calls(bw).map((r) => (r < 0 ? errnoName(r) : "ok"));
    const want = c.calls(hw).map((r) => (r < 0 ? errnoName(r) : "ok"));
    assert.deepEqual(got, want);
  } finally {
    for (const fd of fds) host.close(fd);
    await Deno.remove(root, { recursive: true });
    await Deno.remove(other, { recursive: true });
  }
}

Deno.test("conformance: fd-level EBADF/EINVAL on an open file match the host", async () => {
  const root = await Deno.makeTempDir({ prefix: "berth-conf-" });
  try {
    const { task } = testRoot();
    const bfd = num(openat(task, AT.FDCWD, "/f", O.CREAT | O.RDONLY, 0o644));
    const hfd = host.open(root + "/f", O.CREAT | O.RDONLY | O.CLOEXEC, 0o644);
    const b = [
      lseek(task, bfd, 0, 7),
      lseek(task, bfd, -1, 0),
      num(write(task, bfd, enc.encode("x"))),
      ftruncate(task, bfd, 0),
    ];
    const h = [
      host.lseek(hfd, 0, 7),
      host.lseek(hfd, -1, 0),
      host.write(hfd, enc.encode("x")),
      host.ftruncate(hfd, 0),
    ];
    host.close(hfd);
    assert.deepEqual(b.map(errnoName), h.map(errnoName));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
