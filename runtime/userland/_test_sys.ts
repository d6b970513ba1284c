/**
 * TEMPORARY test double: a tiny in-memory `Syscalls` for applet unit tests until the
 * real kernel and VFS can spawn builtins with a root file system. Replace its use in
 * tests with the real kernel as soon as it lands (see `_test_run.ts`).
 *
 * @module
 */
import { Errno } from "../kernel/errno.ts";
import { O, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG } from "../kernel/syscalls/api.ts";
import type { Dirent, Stat, Syscalls, Timespec } from "../kernel/syscalls/api.ts";

type Node =
  | {
    kind: "file";
    ino: number;
    mode: number;
    uid: number;
    gid: number;
    data: Uint8Array;
    mtime: number;
    nlink: number;
  }
  | {
    kind: "dir";
    ino: number;
    mode: number;
    uid: number;
    gid: number;
    entries: Map<string, Node>;
    mtime: number;
    nlink: number;
  }
  | {
    kind: "link";
    ino: number;
    mode: number;
    uid: number;
    gid: number;
    target: string;
    mtime: number;
    nlink: number;
  };

interface OpenFile {
  node: Node;
  pos: number;
  flags: number;
  dirList?: string[];
  sink?: Uint8Array[];
}

let nextIno = 2;

/** Options of the fake process. */
export interface FakeOptions {
  /** Files to create: path → text (a path ending in `/` makes a directory; `->target` makes a symlink). */
  files?: Record<string, string>;
  /** Bytes on stdin. */
  stdin?: string;
  /** Environment. */
  env?: string[];
  /** Working directory. */
  cwd?: string;
}

/** A fake process: its syscalls plus captured stdout/stderr. */
export interface FakeProc {
  /** The syscalls. */
  sys: Syscalls;
  /** Captured stdout text. */
  stdout(): string;
  /** Captured stderr text. */
  stderr(): string;
  /** Read a file of the fake fs (null when missing). */
  file(path: string): string | null;
}

/**
 * Make a fake process with an in-memory root.
 *
 * @param opts Files, stdin, env, cwd.
 * @returns The process.
 */
export function fakeProc(opts: FakeOptions = {}): FakeProc {
  const now = () => Math.floor(Date.now() / 1000);
  const mkdir = (mode = 0o755): Node => ({
    kind: "dir",
    ino: nextIno++,
    mode: S_IFDIR | mode,
    uid: 0,
    gid: 0,
    entries: new Map(),
    mtime: now(),
    nlink: 2,
  });
  const root = mkdir();
  let cwd = "/";
  let umask = 0o022;
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const out: Uint8Array[] = [];
  const err: Uint8Array[] = [];
  const stdinNode: Node = {
    kind: "file",
    ino: nextIno++,
    mode: S_IFREG | 0o644,
    uid: 0,
    gid: 0,
    data: enc.encode(opts.stdin ?? ""),
    mtime: 0,
    nlink: 1,
  };
  const fds = new Map<number, OpenFile>();
  const pseudo = (sink: Uint8Array[]): OpenFile => ({
    node: { ...stdinNode, data: new Uint8Array(), ino: nextIno++ },
    pos: 0,
    flags: O.WRONLY,
    sink,
  });
  fds.set(0, { node: stdinNode, pos: 0, flags: O.RDONLY });
  fds.set(1, pseudo(out));
  fds.set(2, pseudo(err));

  const abs = (p: string) => (p.startsWith("/") ? p : `${cwd}/${p}`);
  function walk(
    path: string,
    follow: boolean,
    depth = 0,
  ): { parent: Node | null; name: string; node: Node | null } | Errno {
    if (depth > 40) return Errno.ELOOP;
    const parts = abs(path).split("/").filter((x) => x !== "" && x !== ".");
    const stack: Node[] = [root];
    let name = "";
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      const dir = stack[stack.length - 1]!;
      if (dir.kind !== "dir") return Errno.ENOTDIR;
      if (part === "..") {
        if (stack.length > 1) stack.pop();
        continue;
      }
      const last = i === parts.length - 1;
      const child = dir.entries.get(part);
      if (!child) {
        if (last) return { parent: dir, name: part, node: null };
        return Errno.ENOENT;
      }
      if (child.kind === "link" && (!last || follow)) {
        const base = pathOf(stack);
        const target = child.target.startsWith("/") ? child.target : `${base}/${child.target}`;
        const rest = parts.slice(i + 1).join("/");
        return walk(rest ? `${target}/${rest}` : target, follow, depth + 1);
      }
      stack.push(child);
      name = part;
    }
    const node = stack[stack.length - 1]!;
    return { parent: stack.length > 1 ? stack[stack.length - 2]! : null, name, node };
  }
  const names = new WeakMap<Node, string>();
  function pathOf(stack: Node[]): string {
    return "/" + stack.slice(1).map((n) => names.get(n) ?? "").join("/");
  }
  function link(dir: Node, name: string, node: Node) {
    if (dir.kind !== "dir") return;
    dir.entries.set(name, node);
    names.set(node, name);
  }
  const stat = (n: Node): Stat => {
    const size = n.kind === "file" ? n.data.length : n.kind === "link" ? n.target.length : 4096;
    const t: Timespec = { sec: n.mtime, nsec: 0 };
    return {
      dev: 1,
      ino: n.ino,
      mode: n.mode,
      nlink: n.nlink,
      uid: n.uid,
      gid: n.gid,
      rdev: 0,
      size,
      blksize: 4096,
      blocks: Math.ceil(size / 4096) * 8,
      atime: t,
      mtime: t,
      ctime: t,
    };
  };
  const lowestFd = () => {
    let fd = 0;
    while (fds.has(fd)) fd++;
    return fd;
  };

  for (const [p, text] of Object.entries(opts.files ?? {})) {
    const parts = p.split("/").filter(Boolean);
    let dir = root;
    for (let i = 0; i < parts.length - (p.endsWith("/") ? 0 : 1); i++) {
      if (dir.kind !== "dir") throw new Error("bad fixture");
      let next = dir.entries.get(parts[i]!);
      if (!next) {
        next = mkdir();
        link(dir, parts[i]!, next);
      }
      dir = next;
    }
    if (p.endsWith("/")) continue;
    const name = parts[parts.length - 1]!;
    if (text.startsWith("->")) {
      link(dir, name, {
        kind: "link",
        ino: nextIno++,
        mode: S_IFLNK | 0o777,
        uid: 0,
        gid: 0,
        target: text.slice(2),
        mtime: now(),
        nlink: 1,
      });
    } else {
      link(dir, name, {
        kind: "file",
        ino: nextIno++,
        mode: S_IFREG | 0o644,
        uid: 0,
        gid: 0,
        data: enc.encode(text),
        mtime: now(),
        nlink: 1,
      });
    }
  }
  if (opts.cwd) cwd = opts.cwd;

  const impl: Partial<Syscalls> = {
    getpid: () => 42,
    getppid: () => 1,
    getuid: () => 0,
    getgid: () => 0,
    geteuid: () => 0,
    getegid: () => 0,
    getgroups: () => [0],
    environ: () => opts.env ?? ["PATH=/bin", "HOME=/root"],
    umask: (m) => {
      const old = umask;
      umask = m;
      return old;
    },
    uname: () => ({
      sysname: "Linux",
      nodename: "fake",
      release: "6.1.0-berth",
      version: "#1",
      machine: "x86_64",
      domainname: "(none)",
    }),
    clock_gettime: () => {
      const ms = Date.now();
      return { sec: Math.floor(ms / 1000), nsec: (ms % 1000) * 1e6 };
    },
    nanosleep: (ts) => new Promise((r) => setTimeout(() => r(0), ts.sec * 1000 + ts.nsec / 1e6)),
    isatty: () => false,
    getcwd: () => cwd,
    chdir: (p) => {
      const w = walk(p, true);
      if (typeof w === "number") return w;
      if (!w.node) return Errno.ENOENT;
      if (w.node.kind !== "dir") return Errno.ENOTDIR;
      cwd = abs(p).replace(/\/+$/, "") || "/";
      return 0;
    },
    openat: (_d, path, flags, mode) => {
      const w = walk(path, (flags & O.NOFOLLOW) === 0);
      if (typeof w === "number") return w;
      let node = w.node;
      if (node && (flags & O.CREAT) && (flags & O.EXCL)) return Errno.EEXIST;
      if (!node) {
        if (!(flags & O.CREAT) || !w.parent) return Errno.ENOENT;
        node = {
          kind: "file",
          ino: nextIno++,
          mode: S_IFREG | (mode & ~umask & 0o7777),
          uid: 0,
          gid: 0,
          data: new Uint8Array(),
          mtime: now(),
          nlink: 1,
        };
        link(w.parent, w.name, node);
      }
      if (node.kind === "link") return Errno.ELOOP;
      if ((flags & O.DIRECTORY) && node.kind !== "dir") return Errno.ENOTDIR;
      if (node.kind === "dir" && (flags & O.ACCMODE) !== O.RDONLY) return Errno.EISDIR;
      if (node.kind === "file" && (flags & O.TRUNC)) node.data = new Uint8Array();
      const fd = lowestFd();
      fds.set(fd, {
        node,
        pos: 0,
        flags,
        dirList: node.kind === "dir" ? [".", "..", ...node.entries.keys()] : undefined,
      });
      return fd;
    },
    close: (fd) => (fds.delete(fd) ? 0 : Errno.EBADF),
    read: (fd, buf) => {
      const f = fds.get(fd);
      if (!f) return Errno.EBADF;
      if (f.node.kind === "dir") return Errno.EISDIR;
      if (f.node.kind !== "file") return Errno.EINVAL;
      const n = Math.min(buf.length, f.node.data.length - f.pos);
      if (n <= 0) return 0;
      buf.set(f.node.data.subarray(f.pos, f.pos + n));
      f.pos += n;
      return n;
    },
    write: (fd, buf) => {
      const f = fds.get(fd);
      if (!f) return Errno.EBADF;
      if (f.sink) {
        f.sink.push(buf.slice());
        return buf.length;
      }
      if (f.node.kind !== "file") return Errno.EISDIR;
      if ((f.flags & O.ACCMODE) === O.RDONLY) return Errno.EBADF;
      if (f.flags & O.APPEND) f.pos = f.node.data.length;
      const end = f.pos + buf.length;
      if (end > f.node.data.length) {
        const d = new Uint8Array(end);
        d.set(f.node.data);
        f.node.data = d;
      }
      f.node.data.set(buf, f.pos);
      f.pos = end;
      f.node.mtime = now();
      return buf.length;
    },
    lseek: (fd, off, whence) => {
      const f = fds.get(fd);
      if (!f) return Errno.EBADF;
      const size = f.node.kind === "file" ? f.node.data.length : 0;
      const p = whence === 0 ? off : whence === 1 ? f.pos + off : size + off;
      if (p < 0) return Errno.EINVAL;
      f.pos = p;
      return p;
    },
    fstat: (fd) => {
      const f = fds.get(fd);
      return f ? stat(f.node) : Errno.EBADF;
    },
    fstatat: (_d, path, flags) => {
      const w = walk(path, (flags & 0x100) === 0);
      if (typeof w === "number") return w;
      return w.node ? stat(w.node) : Errno.ENOENT;
    },
    getdents64: (fd) => {
      const f = fds.get(fd);
      if (!f) return Errno.EBADF;
      if (!f.dirList || f.node.kind !== "dir") return Errno.ENOTDIR;
      const dir = f.node;
      const list: Dirent[] = [];
      while (f.pos < f.dirList.length) {
        const name = f.dirList[f.pos++]!;
        const n = name === "." || name === ".." ? dir : dir.entries.get(name);
        if (!n) continue;
        list.push({
          ino: n.ino,
          off: f.pos,
          name,
          type: n.kind === "dir" ? 4 : n.kind === "link" ? 10 : 8,
        });
      }
      return list;
    },
    mkdirat: (_d, path, mode) => {
      const w = walk(path, false);
      if (typeof w === "number") return w;
      if (w.node) return Errno.EEXIST;
      if (!w.parent) return Errno.ENOENT;
      const d = mkdir(mode & ~umask);
      link(w.parent, w.name, d);
      return 0;
    },
    unlinkat: (_d, path, flags) => {
      const w = walk(path, false);
      if (typeof w === "number") return w;
      if (!w.node || !w.parent || w.parent.kind !== "dir") return Errno.ENOENT;
      if (flags & 0x200) {
        if (w.node.kind !== "dir") return Errno.ENOTDIR;
        if (w.node.entries.size) return Errno.ENOTEMPTY;
      } else if (w.node.kind === "dir") return Errno.EISDIR;
      w.parent.entries.delete(w.name);
      return 0;
    },
    renameat2: (_a, from, _b, to) => {
      const a = walk(from, false);
      if (typeof a === "number") return a;
      if (!a.node || !a.parent || a.parent.kind !== "dir") return Errno.ENOENT;
      const b = walk(to, false);
      if (typeof b === "number") return b;
      if (!b.parent) return Errno.ENOENT;
      if (b.node?.kind === "dir" && a.node.kind !== "dir") return Errno.EISDIR;
      if (b.node?.kind === "dir" && b.node.entries.size) return Errno.ENOTEMPTY;
      a.parent.entries.delete(a.name);
      link(b.parent, b.name, a.node);
      return 0;
    },
    symlinkat: (target, _d, linkpath) => {
      const w = walk(linkpath, false);
      if (typeof w === "number") return w;
      if (w.node) return Errno.EEXIST;
      if (!w.parent) return Errno.ENOENT;
      link(w.parent, w.name, {
        kind: "link",
        ino: nextIno++,
        mode: S_IFLNK | 0o777,
        uid: 0,
        gid: 0,
        target,
        mtime: now(),
        nlink: 1,
      });
      return 0;
    },
    linkat: (_a, from, _b, to) => {
      const a = walk(from, false);
      if (typeof a === "number") return a;
      if (!a.node) return Errno.ENOENT;
      if (a.node.kind === "dir") return Errno.EPERM;
      const b = walk(to, false);
      if (typeof b === "number") return b;
      if (b.node) return Errno.EEXIST;
      if (!b.parent) return Errno.ENOENT;
      a.node.nlink++;
      b.parent.kind === "dir" && b.parent.entries.set(b.name, a.node);
      return 0;
    },
    readlinkat: (_d, path) => {
      const w = walk(path, false);
      if (typeof w === "number") return w;
      if (!w.node) return Errno.ENOENT;
      return w.node.kind === "link" ? w.node.target : Errno.EINVAL;
    },
    fchmodat: (_d, path, mode) => {
      const w = walk(path, true);
      if (typeof w === "number") return w;
      if (!w.node) return Errno.ENOENT;
      w.node.mode = (w.node.mode & S_IFMT) | (mode & 0o7777);
      return 0;
    },
    fchownat: (_d, path, uid, gid, flags) => {
      const w = walk(path, (flags & 0x100) === 0);
      if (typeof w === "number") return w;
      if (!w.node) return Errno.ENOENT;
      if (uid >= 0) w.node.uid = uid;
      if (gid >= 0) w.node.gid = gid;
      return 0;
    },
    utimensat: (_d, path, _a, m) => {
      const w = walk(path, true);
      if (typeof w === "number") return w;
      if (!w.node) return Errno.ENOENT;
      w.node.mtime = m ? m.sec : now();
      return 0;
    },
    faccessat: (_d, path) => {
      const w = walk(path, true);
      if (typeof w === "number") return w;
      return w.node ? 0 : Errno.ENOENT;
    },
  };
  const sys = new Proxy(impl, {
    get(target, prop) {
      const v = (target as Record<string | symbol, unknown>)[prop];
      return v ?? (() => Errno.ENOSYS);
    },
  }) as Syscalls;
  const joined = (chunks: Uint8Array[]) => dec.decode(concat(chunks));
  return {
    sys,
    stdout: () => joined(out),
    stderr: () => joined(err),
    file: (p) => {
      const w = walk(p, true);
      if (typeof w === "number" || !w.node || w.node.kind !== "file") return null;
      return dec.decode(w.node.data);
    },
  };
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const total = chunks.reduce((s, c) => s + c.length, 0);
  const o = new Uint8Array(total);
  let i = 0;
  for (const c of chunks) {
    o.set(c, i);
    i += c.length;
  }
  return o;
}
