/**
 * The file and IPC families of a process's system calls, as the kernel wires them: the
 * VFS's implementations (`sys_file.ts`, `sys_mount.ts`, `sys_pipe.ts`) and the IPC
 * subsystem's (`sys_ipc.ts`) take the calling Task; until a family is available its calls
 * return `ENOSYS`. A process without a root file system (`MinimalFs`) gets the
 * descriptor-only calls of {@link minimalFileCalls}.
 *
 * @module
 */
import { Errno } from "../errno.ts";
import type { Process } from "../process.ts";
import { type MinimalFs, STDOUT_FLAGS } from "../process_fs.ts";
import { O, type Syscalls } from "./api.ts";

/** A file-family call name. */
export type FileCallName =
  | "openat"
  | "close"
  | "read"
  | "write"
  | "pread"
  | "pwrite"
  | "readv"
  | "writev"
  | "lseek"
  | "fstat"
  | "fstatat"
  | "fsync"
  | "ftruncate"
  | "truncate"
  | "getdents64"
  | "mkdirat"
  | "unlinkat"
  | "renameat2"
  | "linkat"
  | "symlinkat"
  | "readlinkat"
  | "fchmodat"
  | "fchmod"
  | "fchownat"
  | "fchown"
  | "utimensat"
  | "futimens"
  | "faccessat"
  | "chdir"
  | "fchdir"
  | "getcwd"
  | "chroot"
  | "dup"
  | "dup3"
  | "fcntl"
  | "ioctl"
  | "isatty"
  | "pipe2"
  | "mknodat"
  | "mount"
  | "umount2"
  | "pivot_root"
  | "statfs"
  | "poll"
  | "flock"
  | "fcntl_lock"
  | "setxattr"
  | "lsetxattr"
  | "fsetxattr"
  | "getxattr"
  | "lgetxattr"
  | "fgetxattr"
  | "listxattr"
  | "llistxattr"
  | "flistxattr"
  | "removexattr"
  | "lremovexattr"
  | "fremovexattr";

/** Names of the file-family calls. */
export const FILE_CALLS: readonly FileCallName[] = [
  "openat",
  "close",
  "read",
  "write",
  "pread",
  "pwrite",
  "readv",
  "writev",
  "lseek",
  "fstat",
  "fstatat",
  "fsync",
  "ftruncate",
  "truncate",
  "getdents64",
  "mkdirat",
  "unlinkat",
  "renameat2",
  "linkat",
  "symlinkat",
  "readlinkat",
  "fchmodat",
  "fchmod",
  "fchownat",
  "fchown",
  "utimensat",
  "futimens",
  "faccessat",
  "chdir",
  "fchdir",
  "getcwd",
  "chroot",
  "dup",
  "dup3",
  "fcntl",
  "ioctl",
  "isatty",
  "pipe2",
  "mknodat",
  "mount",
  "umount2",
  "pivot_root",
  "statfs",
  "poll",
  "flock",
  "fcntl_lock",
  "setxattr",
  "lsetxattr",
  "fsetxattr",
  "getxattr",
  "lgetxattr",
  "fgetxattr",
  "listxattr",
  "llistxattr",
  "flistxattr",
  "removexattr",
  "lremovexattr",
  "fremovexattr",
];

/** A IPC-family call name. */
export type IpcCallName =
  | "msgget"
  | "msgsnd"
  | "msgrcv"
  | "msgctl"
  | "semget"
  | "semop"
  | "semctl"
  | "shmget"
  | "shmat"
  | "shmdt"
  | "shmctl"
  | "mq_open"
  | "mq_send"
  | "mq_receive"
  | "mq_unlink"
  | "mq_getattr";

/** Names of the IPC-family calls. */
export const IPC_CALLS: readonly IpcCallName[] = [
  "msgget",
  "msgsnd",
  "msgrcv",
  "msgctl",
  "semget",
  "semop",
  "semctl",
  "shmget",
  "shmat",
  "shmdt",
  "shmctl",
  "mq_open",
  "mq_send",
  "mq_receive",
  "mq_unlink",
  "mq_getattr",
];

/** The file-family calls. */
export type FileCalls = Pick<Syscalls, FileCallName>;
/** The IPC-family calls. */
export type IpcCalls = Pick<Syscalls, IpcCallName>;

const ENOSYS_CACHE = new WeakMap<readonly string[], Record<string, unknown>>();

/**
 * Calls that answer `ENOSYS` (or the closest neutral value for calls without an errno).
 *
 * @param names Call names.
 * @returns An object with one function per name.
 */
export function enosysCalls<N extends keyof Syscalls>(names: readonly N[]): Pick<Syscalls, N> {
  const cached = ENOSYS_CACHE.get(names);
  if (cached) return cached as Pick<Syscalls, N>;
  const out: Record<string, unknown> = {};
  for (const n of names) out[n] = n === "isatty" ? () => false : () => Errno.ENOSYS;
  Object.freeze(out);
  ENOSYS_CACHE.set(names, out);
  return out as Pick<Syscalls, N>;
}

/**
 * Descriptor-only file calls for a process without a root: read, write, readv, writev,
 * close, dup, dup3, fcntl (dup/cloexec/flags), isatty, ioctl; path calls give `ENOENT`.
 *
 * @param p The process (its `fs` is a MinimalFs).
 * @returns The calls.
 * @example
 * ```ts ignore
 * minimalFileCalls(proc).write(1, bytes);
 * ```
 */
export function minimalFileCalls(p: Process): FileCalls {
  const fs = () => p.fs as MinimalFs;
  const slot = (fd: number) => fs().fds.slots.get(fd);
  // The two I/O contexts a call can need (no object per read or write).
  const ioBlocking = { task: p, nonblock: false };
  const ioNonblocking = { task: p, nonblock: true };
  const io = (flags: number) => (flags & O.NONBLOCK ? ioNonblocking : ioBlocking);
  const calls: FileCalls = {
    ...enosysCalls(FILE_CALLS),
    openat: () => Errno.ENOENT,
    fstatat: () => Errno.ENOENT,
    faccessat: () => Errno.ENOENT,
    chdir: (path) => (path === "/" || path === "." ? 0 : Errno.ENOENT),
    getcwd: () => "/",
    close: (fd) => fs().fds.close(fd),
    read(fd, buf) {
      const s = slot(fd);
      if (!s || (s.file.flags & O.ACCMODE) === O.WRONLY) return Errno.EBADF;
      return s.file.handle.read(buf, 0, io(s.file.flags));
    },
    write(fd, buf) {
      const s = slot(fd);
      if (!s || (s.file.flags & O.ACCMODE) === O.RDONLY) return Errno.EBADF;
      return s.file.handle.write(buf, 0, io(s.file.flags));
    },
    async readv(fd, bufs) {
      let n = 0;
      for (const b of bufs) {
        const r = await calls.read(fd, b);
        if (r < 0) return n > 0 ? n : r;
        n += r;
        if (r < b.length) break;
      }
      return n;
    },
    async writev(fd, bufs) {
      let n = 0;
      for (const b of bufs) {
        const r = await calls.write(fd, b);
        if (r < 0) return n > 0 ? n : r;
        n += r;
      }
      return n;
    },
    dup(fd) {
      const s = slot(fd);
      if (!s) return Errno.EBADF;
      const nfd = fs().fds.lowestFree();
      fs().fds.installFile(nfd, s.file, false);
      return nfd;
    },
    dup3(fd, newfd, flags) {
      const s = slot(fd);
      if (!s || newfd < 0) return Errno.EBADF;
      if (fd === newfd) return flags ? Errno.EINVAL : newfd;
      fs().fds.installFile(newfd, s.file, (flags & O.CLOEXEC) !== 0);
      return newfd;
    },
    fcntl(fd, cmd, arg = 0) {
      const s = slot(fd);
      if (!s) return Errno.EBADF;
      switch (cmd) {
        case 0:
        case 1030: {
          const nfd = fs().fds.lowestFree(arg);
          fs().fds.installFile(nfd, s.file, cmd === 1030);
          return nfd;
        }
        case 1:
          return s.cloexec ? 1 : 0;
        case 2:
          s.cloexec = (arg & 1) !== 0;
          return 0;
        case 3:
          return s.file.flags;
        case 4:
          s.file.flags = (s.file.flags & ~(O.APPEND | O.NONBLOCK)) |
            (arg & (O.APPEND | O.NONBLOCK));
          return 0;
        default:
          return Errno.EINVAL;
      }
    },
    isatty: (fd) => slot(fd)?.file.handle.isatty?.() ?? false,
    ioctl: (fd) => (slot(fd) ? Errno.ENOTTY : Errno.EBADF),
    fsync: (fd) => (slot(fd) ? 0 : Errno.EBADF),
    lseek: (fd) => (slot(fd) ? Errno.ESPIPE : Errno.EBADF),
  };
  return calls;
}

/** Flags a process's stdout/stderr are opened with. */
export const OUTPUT_FLAGS: number = STDOUT_FLAGS;
