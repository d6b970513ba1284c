/**
 * File system calls on descriptors: open, close, read, write and friends, seek, stat of an
 * fd, directory listing, dup/fcntl/ioctl and poll. Path metadata calls (mkdir, unlink,
 * rename, chmod, …) are in `sys_file_meta.ts`.
 *
 * Each function is the system call of the same name in `api.ts`, taking the calling
 * {@link FileTask} first; the process side binds them into its `Syscalls` object:
 * `openat: (d, p, f, m) => openat(task, d, p, f, m)`.
 *
 * @module
 */
import { Errno } from "../errno.ts";
import { type Dirent, type MaybeAsync, O, type Stat } from "./api.ts";
import { OpenFile } from "../vfs/fd_table.ts";
import type { Loc } from "../vfs/mount.ts";
import { checkAccess, MAY } from "../vfs/permission.ts";
import { dotdot } from "../vfs/path_walk.ts";
import {
  ctxOf,
  dirHandle,
  type FileTask,
  pathHandle,
  regularHandle,
  resolveAt,
} from "../vfs/resolve.ts";
import { type FileHandle, type IoContext, isDir, isFifo, isLnk, isReg } from "../vfs/types.ts";
import { fifoOf, openFifo } from "./sys_pipe.ts";
import { O_TMPFILE_BIT, openTmpfile } from "./sys_file_tmpfile.ts";

export { poll } from "./sys_file_poll.ts";
import { DEV, memDevice } from "../fs/devfs/devices.ts";
import { controllingPty } from "../fs/devpts/pty.ts";
import { processJobControl } from "./sys_tty.ts";
import { MS } from "../vfs/mount.ts";

/** `fcntl` commands. */
export const F = {
  DUPFD: 0,
  GETFD: 1,
  SETFD: 2,
  GETFL: 3,
  SETFL: 4,
  DUPFD_CLOEXEC: 1030,
  SETPIPE_SZ: 1031,
  GETPIPE_SZ: 1032,
} as const;

/** `FD_CLOEXEC`. */
export const FD_CLOEXEC = 1;

const io = (task: FileTask, f: OpenFile): IoContext => f.ioFor(task);

/**
 * Open the handle for a resolved place as `openat` does after the walk (also used by
 * spawn's file actions through `openat`).
 *
 * @param task Caller.
 * @param loc The file.
 * @param flags `O_*`.
 * @param created The file was just created (no permission check, no truncation needed).
 * @returns A handle (maybe after sleeping, for FIFOs) or an errno.
 */
function openHandle(
  task: FileTask,
  loc: Loc,
  flags: number,
  created: boolean,
): MaybeAsync<FileHandle | Errno> {
  const st = loc.inode.stat();
  if (flags & O.PATH) return pathHandle();
  if (loc.inode.reopens && loc.inode.open) return loc.inode.open(flags, ctxOf(task));
  if (isLnk(st.mode)) return Errno.ELOOP;
  const acc = flags & O.ACCMODE;
  if (acc === 3) return Errno.EINVAL;
  if ((flags & O.DIRECTORY) && !isDir(st.mode)) return Errno.ENOTDIR;
  const wantWrite = acc !== O.RDONLY || (flags & O.TRUNC) !== 0;
  if (isDir(st.mode)) {
    if (wantWrite) return Errno.EISDIR;
  }
  if (!created) {
    let mask = 0;
    if (acc === O.RDONLY || acc === O.RDWR) mask |= MAY.READ;
    if (wantWrite) mask |= MAY.WRITE;
    const denied = checkAccess(st, task.cred, mask);
    if (denied !== 0) return denied;
  }
  if (wantWrite && loc.mount.readonly && (isReg(st.mode) || isDir(st.mode))) {
    return Errno.EROFS;
  }
  if (isDir(st.mode)) return dirHandle();
  if (isFifo(st.mode)) return openFifo(task, fifoOf(loc.inode), flags);
  if (isReg(st.mode) && loc.inode.readAt) {
    if (wantWrite && loc.inode.openForWrite) {
      const r = loc.inode.openForWrite(flags);
      if (r !== 0) return r;
    }
    if ((flags & O.TRUNC) && acc !== O.RDONLY && st.size > 0) {
      const r = loc.inode.setattr({ size: 0 }, ctxOf(task));
      if (r !== 0) return r;
    }
    return regularHandle(loc.inode);
  }
  if (isDev(st.mode)) {
    if (loc.mount.flags & MS.NODEV) return Errno.EACCES;
    if (st.rdev === DEV.TTY) {
      // /dev/tty is the caller's controlling terminal when that is a pseudo-terminal.
      const session = processJobControl.sessionOf(task);
      const pty = session ? controllingPty(session) : undefined;
      if (pty && processJobControl.leaderAlive(session!)) {
        return pty.openSlave(flags | O.NOCTTY, ctxOf(task));
      }
    }
    const own = loc.inode.open ? loc.inode.open(flags, ctxOf(task)) : Errno.ENXIO;
    if (own !== Errno.ENXIO) return own;
    return memDevice(st.rdev) ?? Errno.ENXIO;
  }
  if (loc.inode.open) return loc.inode.open(flags, ctxOf(task));
  return Errno.ENXIO;
}

function isDev(mode: number): boolean {
  const t = mode & 0o170000;
  return t === 0o020000 || t === 0o060000;
}

/**
 * `openat(2)`.
 *
 * @param task Caller.
 * @param dirfd Start directory or `AT_FDCWD`.
 * @param path Path.
 * @param flags `O_*` flags.
 * @param mode Permission bits for `O_CREAT` (umask applied).
 * @returns The lowest free fd or an errno.
 * @example
 * ```ts ignore
 * const fd = openat(task, AT.FDCWD, "/tmp/x", O.CREAT | O.WRONLY, 0o644);
 * ```
 */
export function openat(
  task: FileTask,
  dirfd: number,
  path: string,
  flags: number,
  mode: number,
): MaybeAsync<number | Errno> {
  if (flags & O_TMPFILE_BIT) return openTmpfile(task, dirfd, path, flags, mode);
  const creat = (flags & O.CREAT) !== 0;
  const excl = creat && (flags & O.EXCL) !== 0;
  const r = resolveAt(task, dirfd, path, {
    follow: (flags & O.NOFOLLOW) === 0 && !excl,
    parent: creat,
  });
  if (typeof r === "number") return r;
  let loc = r.loc;
  let created = false;
  if (creat) {
    if (loc && excl) return Errno.EEXIST;
    if (!loc) {
      const parent = r.parent;
      if (!parent) return Errno.EISDIR;
      if (r.trailingSlash) return Errno.EISDIR;
      if (parent.mount.readonly) return Errno.EROFS;
      const denied = checkAccess(parent.inode.stat(), task.cred, MAY.WRITE | MAY.EXEC);
      if (denied !== 0) return denied;
      if (!parent.inode.create) return Errno.EACCES;
      const node = parent.inode.create(r.name, "file", mode & ~task.fs.umask & 0o7777, ctxOf(task));
      if (typeof node === "number") return node;
      loc = { mount: parent.mount, inode: node };
      created = true;
    } else if (isDir(loc.inode.stat().mode)) {
      return Errno.EISDIR;
    }
  }
  if (!loc) return Errno.ENOENT;
  const place = loc;
  const h = openHandle(task, place, flags, created);
  const finish = (h: FileHandle | Errno): number | Errno => {
    if (typeof h === "number") return h;
    const file = new OpenFile(place, path, h, flags);
    if (r.parent && r.name !== "." && r.name !== ".." && r.name !== "") {
      file.where = { dir: r.parent, name: r.name };
    }
    return task.fs.fds.install(file, (flags & O.CLOEXEC) !== 0);
  };
  return h instanceof Promise ? h.then(finish) : finish(h);
}

/**
 * `close(2)`.
 *
 * @param task Caller.
 * @param fd Descriptor.
 * @returns 0 or `EBADF`.
 */
export function close(task: FileTask, fd: number): 0 | Errno {
  return task.fs.fds.close(fd);
}

function fileFor(task: FileTask, fd: number): OpenFile | Errno {
  return task.fs.fds.get(fd) ?? Errno.EBADF;
}

function advance(
  f: OpenFile,
  r: MaybeAsync<number | Errno>,
  stream: boolean,
): MaybeAsync<number | Errno> {
  if (stream) return r;
  if (r instanceof Promise) {
    return r.then((n) => {
      if (n > 0) f.offset += n;
      return n;
    });
  }
  if (r > 0) f.offset += r;
  return r;
}

/**
 * `read(2)`.
 *
 * @param task Caller.
 * @param fd Descriptor open for reading.
 * @param buf Destination.
 * @returns Bytes read (0 at EOF) or an errno; may sleep on pipes and ttys.
 */
export function read(task: FileTask, fd: number, buf: Uint8Array): MaybeAsync<number | Errno> {
  const f = fileFor(task, fd);
  if (typeof f === "number") return f;
  if (!f.readable) return Errno.EBADF;
  return advance(f, f.handle.read(buf, f.offset, io(task, f)), f.handle.stream);
}

/**
 * `write(2)`.
 *
 * @param task Caller.
 * @param fd Descriptor open for writing.
 * @param buf Data.
 * @returns Bytes written or an errno (`EPIPE`, `ENOSPC`, `EAGAIN`, …).
 */
export function write(task: FileTask, fd: number, buf: Uint8Array): MaybeAsync<number | Errno> {
  const f = fileFor(task, fd);
  if (typeof f === "number") return f;
  if (!f.writable) return Errno.EBADF;
  if (!f.handle.stream && (f.flags & O.APPEND)) f.offset = f.handle.size?.() ?? f.offset;
  return advance(f, f.handle.write(buf, f.offset, io(task, f)), f.handle.stream);
}

/**
 * `pread64(2)`.
 *
 * @param task Caller.
 * @param fd Descriptor.
 * @param buf Destination.
 * @param offset Position (the file offset is not moved).
 * @returns Bytes read or an errno (`ESPIPE` on pipes).
 */
export function pread(
  task: FileTask,
  fd: number,
  buf: Uint8Array,
  offset: number,
): MaybeAsync<number | Errno> {
  const f = fileFor(task, fd);
  if (typeof f === "number") return f;
  if (!f.readable) return Errno.EBADF;
  if (f.handle.stream) return Errno.ESPIPE;
  if (!(offset >= 0)) return Errno.EINVAL;
  return f.handle.read(buf, offset, io(task, f));
}

/**
 * `pwrite64(2)`.
 *
 * @param task Caller.
 * @param fd Descriptor.
 * @param buf Data.
 * @param offset Position (ignored with `O_APPEND`, as on Linux).
 * @returns Bytes written or an errno.
 */
export function pwrite(
  task: FileTask,
  fd: number,
  buf: Uint8Array,
  offset: number,
): MaybeAsync<number | Errno> {
  const f = fileFor(task, fd);
  if (typeof f === "number") return f;
  if (!f.writable) return Errno.EBADF;
  if (f.handle.stream) return Errno.ESPIPE;
  if (!(offset >= 0)) return Errno.EINVAL;
  const pos = (f.flags & O.APPEND) ? f.handle.size?.() ?? offset : offset;
  return f.handle.write(buf, pos, io(task, f));
}

function concat(bufs: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const b of bufs) n += b.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const b of bufs) {
    out.set(b, o);
    o += b.length;
  }
  return out;
}

/**
 * `readv(2)`: one read spread over `bufs`.
 *
 * @param task Caller.
 * @param fd Descriptor.
 * @param bufs Destinations, filled in order.
 * @returns Total bytes read or an errno.
 */
export function readv(task: FileTask, fd: number, bufs: Uint8Array[]): MaybeAsync<number | Errno> {
  if (bufs.length === 1) return read(task, fd, bufs[0] as Uint8Array);
  let total = 0;
  for (const b of bufs) total += b.length;
  const tmp = new Uint8Array(total);
  const scatter = (n: number | Errno): number | Errno => {
    if (n <= 0) return n;
    let o = 0;
    for (const b of bufs) {
      if (o >= n) break;
      const k = Math.min(b.length, n - o);
      b.set(tmp.subarray(o, o + k));
      o += k;
    }
    return n;
  };
  const r = read(task, fd, tmp);
  return r instanceof Promise ? r.then(scatter) : scatter(r);
}

/**
 * `writev(2)`: one write of all `bufs` (atomic on pipes up to `PIPE_BUF` in total).
 *
 * @param task Caller.
 * @param fd Descriptor.
 * @param bufs Data, in order.
 * @returns Total bytes written or an errno.
 */
export function writev(
  task: FileTask,
  fd: number,
  bufs: Uint8Array[],
): MaybeAsync<number | Errno> {
  return write(task, fd, bufs.length === 1 ? bufs[0] as Uint8Array : concat(bufs));
}

/**
 * `lseek(2)`.
 *
 * @param task Caller.
 * @param fd Descriptor.
 * @param offset Offset.
 * @param whence 0 SET, 1 CUR, 2 END.
 * @returns The new offset, or `EBADF ESPIPE EINVAL`.
 */
export function lseek(task: FileTask, fd: number, offset: number, whence: number): number | Errno {
  const f = fileFor(task, fd);
  if (typeof f === "number") return f;
  if (f.handle.stream) return Errno.ESPIPE;
  let base: number;
  if (whence === 0) base = 0;
  else if (whence === 1) base = f.offset;
  else if (whence === 2) base = f.handle.size?.() ?? f.loc?.inode.stat().size ?? 0;
  else return Errno.EINVAL;
  const pos = base + offset;
  if (!Number.isFinite(pos) || pos < 0) return Errno.EINVAL;
  f.offset = pos;
  if (whence === 0 && pos === 0) f.dirents = null;
  return pos;
}

/**
 * `fstat(2)`.
 *
 * @param task Caller.
 * @param fd Descriptor.
 * @returns The stat or `EBADF`.
 */
export function fstat(task: FileTask, fd: number): Stat | Errno {
  const f = fileFor(task, fd);
  if (typeof f === "number") return f;
  if (f.loc) return f.loc.inode.stat();
  return f.handle.stat?.() ?? streamStat(f);
}

/** A stat for an open file with no inode (host streams): a FIFO, or a tty. */
function streamStat(f: OpenFile): Stat {
  const t = { sec: 0, nsec: 0 };
  const tty = f.handle.isatty?.() ?? false;
  return {
    dev: 12,
    ino: 0,
    mode: (tty ? 0o020000 : 0o010000) | 0o620,
    nlink: 1,
    uid: 0,
    gid: 0,
    rdev: tty ? 0x8800 : 0,
    size: 0,
    blksize: 4096,
    blocks: 0,
    atime: t,
    mtime: t,
    ctime: t,
  };
}

/**
 * `getdents64(2)`: entries from the directory cursor, "." and ".." first.
 *
 * @param task Caller.
 * @param fd Descriptor open on a directory.
 * @param maxEntries At most this many (default 256).
 * @returns Entries (empty at the end) or `EBADF ENOTDIR`.
 */
export function getdents64(task: FileTask, fd: number, maxEntries = 256): Dirent[] | Errno {
  const f = fileFor(task, fd);
  if (typeof f === "number") return f;
  if (!f.loc || (f.flags & O.PATH)) return Errno.EBADF;
  const inode = f.loc.inode;
  const st = inode.stat();
  if (!isDir(st.mode)) return Errno.ENOTDIR;
  if (!f.dirents || f.offset === 0) {
    const list = inode.readdir ? inode.readdir() : Errno.ENOTDIR;
    if (typeof list === "number") return list;
    const up = dotdot(f.loc, task.fs.root);
    const all: Dirent[] = [
      { ino: st.ino, off: 1, type: 4, name: "." },
      { ino: up.inode.ino, off: 2, type: 4, name: ".." },
    ];
    for (const e of list) all.push({ ino: e.ino, off: all.length + 1, type: e.type, name: e.name });
    f.dirents = all;
  }
  const out = f.dirents.slice(f.offset, f.offset + Math.max(1, maxEntries));
  f.offset += out.length;
  return out;
}

/**
 * `fsync(2)`.
 *
 * @param task Caller.
 * @param fd Descriptor.
 * @returns 0 or an errno.
 */
export function fsync(task: FileTask, fd: number): MaybeAsync<0 | Errno> {
  const f = fileFor(task, fd);
  if (typeof f === "number") return f;
  return f.handle.fsync?.() ?? 0;
}

/**
 * `ftruncate(2)`.
 *
 * @param task Caller.
 * @param fd Descriptor open for writing on a regular file.
 * @param length New size.
 * @returns 0 or `EBADF EINVAL EROFS ENOSPC`.
 */
export function ftruncate(task: FileTask, fd: number, length: number): 0 | Errno {
  const f = fileFor(task, fd);
  if (typeof f === "number") return f;
  if (!(length >= 0)) return Errno.EINVAL;
  if (!f.writable || !f.loc) return Errno.EINVAL;
  if (!isReg(f.loc.inode.stat().mode)) return Errno.EINVAL;
  if (f.loc.mount.readonly) return Errno.EROFS;
  return f.loc.inode.setattr({ size: length }, ctxOf(task));
}

/**
 * `dup(2)`.
 *
 * @param task Caller.
 * @param fd Descriptor.
 * @returns The lowest free fd sharing the open file, or `EBADF EMFILE`.
 */
export function dup(task: FileTask, fd: number): number | Errno {
  const f = fileFor(task, fd);
  if (typeof f === "number") return f;
  return task.fs.fds.install(f.ref(), false);
}

/**
 * `dup3(2)` (and `dup2` when `flags` is 0: `fd === newfd` then returns `newfd`).
 *
 * @param task Caller.
 * @param fd Descriptor.
 * @param newfd Target descriptor (closed first if open).
 * @param flags 0 or `O_CLOEXEC`.
 * @returns `newfd` or `EBADF EINVAL`.
 */
export function dup3(task: FileTask, fd: number, newfd: number, flags: number): number | Errno {
  const f = fileFor(task, fd);
  if (typeof f === "number") return f;
  if (flags & ~O.CLOEXEC) return Errno.EINVAL;
  if (fd === newfd) return flags === 0 ? newfd : Errno.EINVAL;
  return task.fs.fds.installAt(newfd, f.ref(), (flags & O.CLOEXEC) !== 0);
}

/**
 * `fcntl(2)`: `F_DUPFD F_DUPFD_CLOEXEC F_GETFD F_SETFD F_GETFL F_SETFL F_GETPIPE_SZ
 * F_SETPIPE_SZ`.
 *
 * @param task Caller.
 * @param fd Descriptor.
 * @param cmd Command.
 * @param arg Argument.
 * @returns Per command, or `EBADF EINVAL EMFILE`.
 */
export function fcntl(task: FileTask, fd: number, cmd: number, arg = 0): number | Errno {
  const f = fileFor(task, fd);
  if (typeof f === "number") return f;
  const fds = task.fs.fds;
  switch (cmd) {
    case F.DUPFD:
    case F.DUPFD_CLOEXEC:
      if (arg < 0 || arg >= fds.limit) return Errno.EINVAL;
      return fds.install(f.ref(), cmd === F.DUPFD_CLOEXEC, arg);
    case F.GETFD:
      return fds.getCloexec(fd) ? FD_CLOEXEC : 0;
    case F.SETFD:
      fds.setCloexec(fd, (arg & FD_CLOEXEC) !== 0);
      return 0;
    case F.GETFL:
      return f.flags;
    case F.SETFL:
      f.setStatusFlags(arg);
      return 0;
    case F.GETPIPE_SZ:
    case F.SETPIPE_SZ:
      if (!f.handle.pipeSize) return Errno.EBADF;
      return f.handle.pipeSize(cmd === F.SETPIPE_SZ ? arg : undefined);
    default:
      return Errno.EINVAL;
  }
}

/**
 * `ioctl(2)`: `TIOCGWINSZ` on ttys, `FIONREAD` on pipes, ttys and regular files.
 *
 * @param task Caller.
 * @param fd Descriptor.
 * @param request Request number.
 * @param arg Argument.
 * @returns Per request, or `EBADF ENOTTY`.
 */
export function ioctl(
  task: FileTask,
  fd: number,
  request: number,
  arg?: unknown,
): number | { rows: number; cols: number } | Errno {
  const f = fileFor(task, fd);
  if (typeof f === "number") return f;
  if (f.handle.ioctl) return f.handle.ioctl(request, arg, ctxOf(task));
  if (request === 0x541b && f.loc && isReg(f.loc.inode.stat().mode)) {
    return Math.max(0, f.loc.inode.stat().size - f.offset);
  }
  return Errno.ENOTTY;
}

/**
 * `isatty(3)`.
 *
 * @param task Caller.
 * @param fd Descriptor.
 * @returns Whether `fd` is a terminal.
 */
export function isatty(task: FileTask, fd: number): boolean {
  return task.fs.fds.get(fd)?.handle.isatty?.() ?? false;
}
