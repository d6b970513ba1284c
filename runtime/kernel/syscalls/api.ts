/**
 * The system call surface of the Berth kernel, as programs see it.
 *
 * Every executor (the builtin userland, the WASI translation layer) reaches the kernel
 * only through a {@link Syscalls} object bound to its process. Conventions:
 *
 * - A call returns its result (a number >= 0 or an object) or an {@link Errno}
 *   (a negative number). Calls never throw for a guest's mistake.
 * - A call that may block returns `T | Promise<T>` ({@link MaybeAsync}): it completes
 *   synchronously when it can (the fast path WASI relies on), and returns a promise
 *   when the process must sleep; the kernel runs other processes meanwhile. Such calls
 *   are also where the scheduler may take the CPU away from a builtin program whose
 *   slice is used up.
 * - Paths are strings; data is `Uint8Array`; times are {@link Timespec}.
 *
 * @module
 */
import type { Errno } from "../errno.ts";

/** A result that is ready now or after the process sleeps. */
export type MaybeAsync<T> = T | Promise<T>;

/** A point in time or a duration: seconds and nanoseconds, as `struct timespec`. */
export interface Timespec {
  /** Whole seconds. */
  sec: number;
  /** Nanoseconds, 0..999_999_999. */
  nsec: number;
}

/** File type bits of `st_mode`, as on Linux. */
export const S_IFMT = 0o170000;
/** Socket. */
export const S_IFSOCK = 0o140000;
/** Symbolic link. */
export const S_IFLNK = 0o120000;
/** Regular file. */
export const S_IFREG = 0o100000;
/** Block device. */
export const S_IFBLK = 0o060000;
/** Directory. */
export const S_IFDIR = 0o040000;
/** Character device. */
export const S_IFCHR = 0o020000;
/** FIFO. */
export const S_IFIFO = 0o010000;

/** `struct stat`, as `fstatat` returns it. */
export interface Stat {
  /** Device id of the file system. */
  dev: number;
  /** Inode number, unique within `dev`. */
  ino: number;
  /** Type and permission bits (`S_IFREG | 0o644`). */
  mode: number;
  /** Hard link count. */
  nlink: number;
  /** Owner. */
  uid: number;
  /** Group. */
  gid: number;
  /** Device id for character/block devices. */
  rdev: number;
  /** Size in bytes. */
  size: number;
  /** Preferred I/O block size. */
  blksize: number;
  /** 512-byte blocks allocated. */
  blocks: number;
  /** Last access. */
  atime: Timespec;
  /** Last modification. */
  mtime: Timespec;
  /** Last status change. */
  ctime: Timespec;
}

/** One entry of `getdents64`. */
export interface Dirent {
  /** Inode number. */
  ino: number;
  /** Position cookie: pass it back to continue after this entry (`d_off`). */
  off: number;
  /** `DT_*` type: 1 FIFO, 2 CHR, 4 DIR, 6 BLK, 8 REG, 10 LNK, 12 SOCK, 0 unknown. */
  type: number;
  /** Entry name. */
  name: string;
}

/** `open` flags, Linux x86_64 values. */
export const O = {
  RDONLY: 0,
  WRONLY: 1,
  RDWR: 2,
  ACCMODE: 3,
  CREAT: 0o100,
  EXCL: 0o200,
  NOCTTY: 0o400,
  TRUNC: 0o1000,
  APPEND: 0o2000,
  NONBLOCK: 0o4000,
  DSYNC: 0o10000,
  DIRECTORY: 0o200000,
  NOFOLLOW: 0o400000,
  CLOEXEC: 0o2000000,
  SYNC: 0o4010000,
  PATH: 0o10000000,
} as const;

/** `*at` call constants. */
export const AT = {
  FDCWD: -100,
  SYMLINK_NOFOLLOW: 0x100,
  REMOVEDIR: 0x200,
  SYMLINK_FOLLOW: 0x400,
  EMPTY_PATH: 0x1000,
  EACCESS: 0x200,
} as const;

/** `wait4` options and status helpers (Linux encoding of the status word). */
export const W = {
  NOHANG: 1,
  UNTRACED: 2,
  CONTINUED: 8,
  /** Status word of a normal exit. */
  exited: (code: number): number => (code & 0xff) << 8,
  /** Status word of a death by signal. */
  signaled: (sig: number): number => sig & 0x7f,
  IFEXITED: (s: number): boolean => (s & 0x7f) === 0,
  EXITSTATUS: (s: number): number => (s >> 8) & 0xff,
  IFSIGNALED: (s: number): boolean => ((s & 0x7f) + 1) >> 1 > 0 && (s & 0x7f) !== 0x7f,
  TERMSIG: (s: number): number => s & 0x7f,
  IFSTOPPED: (s: number): boolean => (s & 0xff) === 0x7f,
} as const;

/** `clone`/`unshare` namespace flags, Linux values. */
export const CLONE = {
  NEWNS: 0x00020000,
  NEWCGROUP: 0x02000000,
  NEWUTS: 0x04000000,
  NEWIPC: 0x08000000,
  /** A new user namespace (allowed without privilege; see runtime/kernel/user_namespace.ts). */
  NEWUSER: 0x10000000,
  NEWPID: 0x20000000,
} as const;

/** Result of `wait4`. */
export interface WaitResult {
  /** The reaped (or reported) child's pid in the caller's PID namespace; 0 with `WNOHANG` and nothing to report. */
  pid: number;
  /** The Linux status word (see {@link W}). */
  status: number;
  /** Resource usage of the child. */
  rusage: Rusage;
}

/** `struct rusage` subset. */
export interface Rusage {
  /** User CPU time, microseconds. */
  utimeUsec: number;
  /** System CPU time, microseconds. */
  stimeUsec: number;
  /** Peak memory in kilobytes. */
  maxrssKb: number;
}

/** A file action applied in the child by {@link Syscalls.spawn}, like `posix_spawn_file_actions`. */
export type SpawnFileAction =
  | { op: "dup2"; fd: number; newfd: number }
  | { op: "close"; fd: number }
  | { op: "open"; fd: number; path: string; flags: number; mode: number };

/** Arguments of {@link Syscalls.spawn}: fork + exec in one, like `posix_spawn` plus clone flags. */
export interface SpawnOptions {
  /** Program path; searched in `PATH` when it has no `/` (execvp rules). */
  path: string;
  /** argv, including argv[0]. */
  argv: string[];
  /** Environment as `KEY=value`; defaults to the caller's. */
  env?: string[];
  /** File actions applied in order in the child before exec. */
  fileActions?: SpawnFileAction[];
  /** `CLONE_NEW*` flags for new namespaces. */
  cloneFlags?: number;
  /** Process group to join: 0 = a new group with the child's pid; undefined = the caller's. */
  pgid?: number;
  /** Working directory for the child (path), default the caller's. */
  cwd?: string;
  /** Start a new session (`setsid`) in the child. */
  setsid?: boolean;
}

/** `uname` fields. */
export interface Utsname {
  /** Kernel name, "Linux". */
  sysname: string;
  /** Hostname of the caller's UTS namespace. */
  nodename: string;
  /** Kernel release string. */
  release: string;
  /** Kernel version string. */
  version: string;
  /** Machine, "wasm32" or the host's. */
  machine: string;
  /** NIS domain of the UTS namespace. */
  domainname: string;
}

/** `poll` request and result for one fd. */
export interface PollFd {
  /** File descriptor. */
  fd: number;
  /** Requested events (`POLLIN` 1, `POLLOUT` 4). */
  events: number;
  /** Returned events (`POLLIN`, `POLLOUT`, `POLLERR` 8, `POLLHUP` 16, `POLLNVAL` 32). */
  revents: number;
}

/** Signal handler disposition for builtin programs. */
export type SignalDisposition = "default" | "ignore" | ((sig: number) => void);

/**
 * `sigaction` flags, Linux x86_64 values (the third argument of {@link Syscalls.sigaction}).
 *
 * - `RESTART`: a blocking call interrupted by this handler is restarted after it, for the
 *   calls signal(7) lists (`read`/`write`/`readv`/`writev` on pipes and terminals, `openat`
 *   of a FIFO, `wait4`, `mq_send`/`mq_receive`, …); `nanosleep`, `pause`, `poll`, System V
 *   IPC calls still fail with `EINTR`.
 * - `NODEFER`: the signal is not blocked while its handler runs.
 * - `RESETHAND`: the disposition goes back to "default" when the handler is entered.
 */
export const SA = {
  RESTART: 0x10000000,
  NODEFER: 0x40000000,
  RESETHAND: 0x80000000,
} as const;

/**
 * The system calls of one process. Implemented by the kernel; obtained by executors.
 * File-system calls follow Linux's `*at` forms; `dirfd` is `AT.FDCWD` for the cwd.
 */
export interface Syscalls {
  // --- process (runtime/kernel/syscalls/sys_proc.ts) ---
  /** Pid in the caller's PID namespace. */
  getpid(): number;
  /** Parent pid in the caller's PID namespace (0 if the parent is outside it). */
  getppid(): number;
  /** Same as getpid (single-threaded processes). */
  gettid(): number;
  /** Real uid. */
  getuid(): number;
  /** Real gid. */
  getgid(): number;
  /** Effective uid. */
  geteuid(): number;
  /** Effective gid. */
  getegid(): number;
  /** Set uid (root may set any; others only to their own). */
  setuid(uid: number): 0 | Errno;
  /** Set gid. */
  setgid(gid: number): 0 | Errno;
  /** Supplementary groups. */
  getgroups(): number[];
  /** Set supplementary groups (root only). */
  setgroups(groups: number[]): 0 | Errno;
  /** New session; returns the new sid. */
  setsid(): number | Errno;
  /** Session id of `pid` (0 = caller). */
  getsid(pid: number): number | Errno;
  /** Set the process group of `pid` (0 = caller) to `pgid` (0 = pid). */
  setpgid(pid: number, pgid: number): 0 | Errno;
  /** Process group of `pid` (0 = caller). */
  getpgid(pid: number): number | Errno;
  /** Environment of this process as `KEY=value`. */
  environ(): string[];
  /** argv of this process. */
  argv(): string[];
  /** File-creation mask; returns the old mask. */
  umask(mask: number): number;
  /**
   * `getpriority(which, who)` as the system call: `20 - nice` (1…40) of the most favoured
   * process named (`which`: 0 process, 1 process group, 2 user; `who` 0 = the caller's).
   */
  getpriority(which: number, who: number): number | Errno;
  /** `setpriority(which, who, nice)`: a lower nice value than a process has needs root. */
  setpriority(which: number, who: number, nice: number): 0 | Errno;
  /** Fork+exec a child. Returns the child's pid. `EAGAIN` over `pids.max`. */
  spawn(opts: SpawnOptions): MaybeAsync<number | Errno>;
  /** Replace this process's program. Only returns on error. */
  execve(path: string, argv: string[], env: string[]): MaybeAsync<Errno>;
  /** Wait for a child: pid > 0 that child, -1 any, 0 caller's group, < -1 group -pid. */
  wait4(pid: number, options: number): MaybeAsync<WaitResult | Errno>;
  /** Terminate the process with `code` (exit_group). Never returns normally. */
  exit(code: number): never;
  /** Move into new namespaces (`CLONE_NEW*`); PID applies to children, as on Linux. */
  unshare(flags: number): 0 | Errno;
  /** Join the namespace behind an fd opened on `/proc/PID/ns/*`. */
  setns(fd: number, nstype: number): 0 | Errno;
  /** Give up the CPU. */
  sched_yield(): MaybeAsync<0>;
  /**
   * Sleep; resolves early with `EINTR` on a handled signal (never restarted, even with
   * `SA.RESTART`), and then writes the time left into `rem` when given, as Linux.
   */
  nanosleep(ts: Timespec, rem?: Timespec): MaybeAsync<0 | Errno>;
  /** Clock read: 0 REALTIME, 1 MONOTONIC, 2 PROCESS_CPUTIME, 3 THREAD_CPUTIME. */
  clock_gettime(clock: number): Timespec | Errno;
  /** Clock resolution. */
  clock_getres(clock: number): Timespec | Errno;
  /** Resource usage: 0 SELF, -1 CHILDREN. */
  getrusage(who: number): Rusage | Errno;
  /** System identity of the caller's UTS namespace. */
  uname(): Utsname;
  /** Set hostname of the caller's UTS namespace. */
  sethostname(name: string): 0 | Errno;
  /** Set domainname of the caller's UTS namespace. */
  setdomainname(name: string): 0 | Errno;
  /** Get/set a limit (`RLIMIT_NOFILE` = 7). Returns the old [soft, hard]. */
  prlimit(pid: number, resource: number, limit?: [number, number]): [number, number] | Errno;
  /** Fill `buf` with random bytes. */
  getrandom(buf: Uint8Array): number;
  /**
   * `sbrk(increment)`: grow (or, negative, shrink) the caller's heap by `increment` bytes;
   * returns the new size. A builtin keeps its data in the daemon's JS heap, out of the
   * kernel's sight, so builtins that hold input (whole-input filters, the shell's
   * variables) declare it here: growth is charged to the process and its memory cgroup as
   * anonymous memory, and a charge past `memory.max` runs the OOM killer, as touching new
   * pages would on Linux (`ENOMEM` when the caller is the victim; it is killed, exit 137).
   * Released when the process exits.
   */
  sbrk(increment: number): number | Errno;

  // --- signals (runtime/kernel/syscalls/sys_signal.ts) ---
  /** Send a signal: pid > 0, 0 = own group, -1 = all permitted, < -1 = group. */
  kill(pid: number, sig: number): 0 | Errno;
  /**
   * Set a signal's disposition (builtin programs) and its `SA` flags (default 0); returns
   * the old disposition.
   */
  sigaction(
    sig: number,
    disposition: SignalDisposition,
    flags?: number,
  ): SignalDisposition | Errno;
  /** Block/unblock signals: how 0 BLOCK, 1 UNBLOCK, 2 SETMASK; returns the old mask (bit n-1 = signal n). */
  sigprocmask(how: number, set: bigint | null): bigint | Errno;
  /** Wait for a signal to arrive; resolves `EINTR`. */
  pause(): MaybeAsync<Errno>;
  /** Seconds until SIGALRM (0 cancels); returns seconds left of the old alarm. */
  alarm(seconds: number): number;

  // --- files (runtime/kernel/syscalls/sys_file.ts) ---
  /** Open a file. Returns the lowest free fd. */
  openat(dirfd: number, path: string, flags: number, mode: number): MaybeAsync<number | Errno>;
  /** Close an fd. */
  close(fd: number): 0 | Errno;
  /** Read into `buf`; 0 at end of file. */
  read(fd: number, buf: Uint8Array): MaybeAsync<number | Errno>;
  /** Write `buf`; returns bytes written. `EPIPE` (and `SIGPIPE`) with no reader. */
  write(fd: number, buf: Uint8Array): MaybeAsync<number | Errno>;
  /** Read at an offset without moving the file offset. */
  pread(fd: number, buf: Uint8Array, offset: number): MaybeAsync<number | Errno>;
  /** Write at an offset without moving the file offset. */
  pwrite(fd: number, buf: Uint8Array, offset: number): MaybeAsync<number | Errno>;
  /** Gathering read. */
  readv(fd: number, bufs: Uint8Array[]): MaybeAsync<number | Errno>;
  /** Scattering write. */
  writev(fd: number, bufs: Uint8Array[]): MaybeAsync<number | Errno>;
  /** Move the offset: whence 0 SET, 1 CUR, 2 END. */
  lseek(fd: number, offset: number, whence: number): number | Errno;
  /** Stat an open fd. */
  fstat(fd: number): Stat | Errno;
  /** Stat a path (`AT.SYMLINK_NOFOLLOW` for lstat, `AT.EMPTY_PATH` for the dirfd itself). */
  fstatat(dirfd: number, path: string, flags: number): Stat | Errno;
  /** Flush (a no-op for memory file systems; real for bind mounts). */
  fsync(fd: number): MaybeAsync<0 | Errno>;
  /** Truncate or extend an open file. */
  ftruncate(fd: number, length: number): 0 | Errno;
  /** Truncate a path. */
  truncate(path: string, length: number): 0 | Errno;
  /** Read directory entries from the fd's position; empty array at the end. */
  getdents64(fd: number, maxEntries?: number): Dirent[] | Errno;
  /** Make a directory. */
  mkdirat(dirfd: number, path: string, mode: number): 0 | Errno;
  /** Remove a file, or a directory with `AT.REMOVEDIR`. */
  unlinkat(dirfd: number, path: string, flags: number): 0 | Errno;
  /** Rename; flags 1 = `RENAME_NOREPLACE`, 2 = `RENAME_EXCHANGE`. */
  renameat2(
    olddirfd: number,
    oldpath: string,
    newdirfd: number,
    newpath: string,
    flags: number,
  ): 0 | Errno;
  /** Hard link (`AT.SYMLINK_FOLLOW` to follow oldpath). */
  linkat(
    olddirfd: number,
    oldpath: string,
    newdirfd: number,
    newpath: string,
    flags: number,
  ): 0 | Errno;
  /** Create a symlink at `linkpath` containing `target`. */
  symlinkat(target: string, newdirfd: number, linkpath: string): 0 | Errno;
  /** Read a symlink. */
  readlinkat(dirfd: number, path: string): string | Errno;
  /** Change mode. */
  fchmodat(dirfd: number, path: string, mode: number, flags: number): 0 | Errno;
  /** Change mode of an open fd. */
  fchmod(fd: number, mode: number): 0 | Errno;
  /** Change owner (-1 keeps). */
  fchownat(dirfd: number, path: string, uid: number, gid: number, flags: number): 0 | Errno;
  /** Change owner of an open fd. */
  fchown(fd: number, uid: number, gid: number): 0 | Errno;
  /** Set times; `null` = now; `{sec:0,nsec:UTIME_OMIT=0x3ffffffe}` keeps. */
  utimensat(
    dirfd: number,
    path: string,
    atime: Timespec | null,
    mtime: Timespec | null,
    flags: number,
  ): 0 | Errno;
  /** Set times on an open fd. */
  futimens(fd: number, atime: Timespec | null, mtime: Timespec | null): 0 | Errno;
  /** Access check: mode 0 F_OK, 4 R_OK, 2 W_OK, 1 X_OK. */
  faccessat(dirfd: number, path: string, mode: number, flags: number): 0 | Errno;
  /** Change cwd. */
  chdir(path: string): 0 | Errno;
  /** Change cwd to an open directory. */
  fchdir(fd: number): 0 | Errno;
  /** Current directory as seen from the process's root. */
  getcwd(): string | Errno;
  /** Change the process's root (root only). */
  chroot(path: string): 0 | Errno;
  /** Duplicate to the lowest free fd. */
  dup(fd: number): number | Errno;
  /** Duplicate onto `newfd` (flags: `O.CLOEXEC`); dup2 when flags is 0 and fd === newfd is allowed. */
  dup3(fd: number, newfd: number, flags: number): number | Errno;
  /** fcntl: F_DUPFD 0, F_GETFD 1, F_SETFD 2, F_GETFL 3, F_SETFL 4, F_DUPFD_CLOEXEC 1030, F_SETPIPE_SZ 1031, F_GETPIPE_SZ 1032. */
  fcntl(fd: number, cmd: number, arg?: number): number | Errno;
  /**
   * ioctl: TIOCGWINSZ 0x5413 returns `{rows, cols}`; FIONREAD 0x541b returns a number;
   * TCGETS/TCSETS/TCSETSW/TCSETSF (0x5401-0x5404) take a 36-byte `struct termios` buffer
   * (`termios.ts`) that TCGETS fills.
   */
  ioctl(
    fd: number,
    request: number,
    arg?: unknown,
  ): number | { rows: number; cols: number } | Errno;
  /** Whether an fd is a terminal. */
  isatty(fd: number): boolean;
  /** A pipe: returns [readFd, writeFd]. flags: `O.CLOEXEC | O.NONBLOCK`. */
  pipe2(flags: number): [number, number] | Errno;
  /** Make a node: FIFOs (`S_IFIFO`), and regular files. */
  mknodat(dirfd: number, path: string, mode: number, dev: number): 0 | Errno;
  /** Mount a file system: fstype "tmpfs" | "proc" | "cgroup2" | "devtmpfs" | "mqueue", or flags & MS_BIND (4096) with `source` a path. */
  mount(source: string, target: string, fstype: string, flags: number, data: string): 0 | Errno;
  /** Unmount (flags 2 = MNT_DETACH). */
  umount2(target: string, flags: number): 0 | Errno;
  /** Swap the root of the caller's mount namespace. */
  pivot_root(newRoot: string, putOld: string): 0 | Errno;
  /** File-system statistics for a path. */
  statfs(path: string): StatFs | Errno;
  /** Wait for fd readiness; timeoutMs < 0 waits forever. Returns the count ready. */
  poll(fds: PollFd[], timeoutMs: number): MaybeAsync<number | Errno>;

  // --- System V and POSIX IPC (runtime/kernel/syscalls/sys_ipc.ts) ---
  /** msgget(key, msgflg). */
  msgget(key: number, flags: number): number | Errno;
  /** msgsnd: blocks while the queue is full unless `IPC_NOWAIT` (0o4000). */
  msgsnd(id: number, type: number, data: Uint8Array, flags: number): MaybeAsync<0 | Errno>;
  /** msgrcv: `msgtyp` 0 first, > 0 first of that type, < 0 lowest type <= |msgtyp|. */
  msgrcv(
    id: number,
    maxSize: number,
    msgtyp: number,
    flags: number,
  ): MaybeAsync<{ type: number; data: Uint8Array } | Errno>;
  /** msgctl: IPC_RMID 0, IPC_SET 1, IPC_STAT 2. */
  msgctl(id: number, cmd: number, buf?: IpcStat): IpcStat | 0 | Errno;
  /** semget. */
  semget(key: number, nsems: number, flags: number): number | Errno;
  /** semop / semtimedop: all ops applied atomically; SEM_UNDO 0x1000, IPC_NOWAIT 0o4000. */
  semop(
    id: number,
    ops: { num: number; op: number; flags: number }[],
    timeout?: Timespec,
  ): MaybeAsync<0 | Errno>;
  /** semctl: GETPID 11, GETVAL 12, GETALL 13, GETNCNT 14, GETZCNT 15, SETVAL 16, SETALL 17, IPC_RMID/SET/STAT. */
  semctl(
    id: number,
    num: number,
    cmd: number,
    arg?: number | number[] | IpcStat,
  ): number | number[] | IpcStat | Errno;
  /** shmget. */
  shmget(key: number, size: number, flags: number): number | Errno;
  /** shmat: a shared view of the segment's bytes (SHM_RDONLY 0o10000). */
  shmat(id: number, flags: number): Uint8Array | Errno;
  /** shmdt: detach a view returned by shmat. */
  shmdt(view: Uint8Array): 0 | Errno;
  /** shmctl. */
  shmctl(id: number, cmd: number, buf?: IpcStat): IpcStat | 0 | Errno;
  /** mq_open: returns an fd; `attr` when creating. */
  mq_open(
    name: string,
    flags: number,
    mode: number,
    attr?: { maxmsg: number; msgsize: number },
  ): number | Errno;
  /** mq_send with priority. */
  mq_send(fd: number, data: Uint8Array, prio: number, timeout?: Timespec): MaybeAsync<0 | Errno>;
  /** mq_receive: highest priority, oldest first. */
  mq_receive(
    fd: number,
    maxSize: number,
    timeout?: Timespec,
  ): MaybeAsync<{ data: Uint8Array; prio: number } | Errno>;
  /** mq_unlink. */
  mq_unlink(name: string): 0 | Errno;
  /** mq_getattr. */
  mq_getattr(
    fd: number,
  ): { flags: number; maxmsg: number; msgsize: number; curmsgs: number } | Errno;

  // --- advisory file locks (runtime/kernel/syscalls/sys_lock.ts, vfs/file_lock.ts) ---
  /**
   * `flock(2)`: `LOCK.SH` 1, `LOCK.EX` 2, `LOCK.UN` 8, or'ed with `LOCK.NB` 4. The lock
   * belongs to the open file description (shared by dup and inheritance) and goes with its
   * last close. `EAGAIN` (`EWOULDBLOCK`) with `LOCK_NB`, `EINTR` when a signal ends the wait.
   */
  flock(fd: number, operation: number): MaybeAsync<0 | Errno>;
  /**
   * `fcntl(fd, F_GETLK 5 | F_SETLK 6 | F_SETLKW 7, &flock)`: POSIX record locks, owned by
   * the process (its descriptor table), released by any close of the file by it and at
   * exit. `F_GETLK` returns the first conflicting lock or `type: F_UNLCK`; `F_SETLK` gives
   * `EAGAIN` on conflict; `F_SETLKW` sleeps (`EINTR` on a signal, `EDEADLK` on a cycle).
   */
  fcntl_lock(fd: number, cmd: number, lock: FlockRecord): MaybeAsync<FlockRecord | 0 | Errno>;
}

/** `struct flock`: one POSIX record lock request or answer. */
export interface FlockRecord {
  /** `F_RDLCK` 0, `F_WRLCK` 1, `F_UNLCK` 2. */
  type: number;
  /** How `start` is measured: 0 `SEEK_SET`, 1 `SEEK_CUR`, 2 `SEEK_END`. */
  whence: number;
  /** First byte (relative to `whence`). */
  start: number;
  /** Length in bytes; 0 = to the end of the file and beyond; negative = before `start`. */
  len: number;
  /** `F_GETLK`: pid of the owner of the conflicting lock (in the caller's PID namespace). */
  pid: number;
}

/** `flock(2)` operations. */
export const LOCK = { SH: 1, EX: 2, NB: 4, UN: 8 } as const;

/** `fcntl` record-lock commands and lock types. */
export const F_LOCK = {
  GETLK: 5,
  SETLK: 6,
  SETLKW: 7,
  RDLCK: 0,
  WRLCK: 1,
  UNLCK: 2,
} as const;

/** `struct statfs` subset. */
export interface StatFs {
  /** Magic of the file system type (TMPFS_MAGIC 0x01021994, PROC 0x9fa0, OVERLAYFS 0x794c7630, CGROUP2 0x63677270). */
  type: number;
  /** Block size. */
  bsize: number;
  /** Total blocks. */
  blocks: number;
  /** Free blocks. */
  bfree: number;
  /** Blocks available to unprivileged users. */
  bavail: number;
  /** Total inodes. */
  files: number;
  /** Free inodes. */
  ffree: number;
  /** Maximum name length. */
  namelen: number;
}

/** `struct ipc_perm` plus the object-specific fields `IPC_STAT` returns. */
export interface IpcStat {
  /** Key the object was created with (0 = IPC_PRIVATE). */
  key: number;
  /** Owner uid. */
  uid: number;
  /** Owner gid. */
  gid: number;
  /** Creator uid. */
  cuid: number;
  /** Creator gid. */
  cgid: number;
  /** Permission bits. */
  mode: number;
  /** Object-specific numbers: msg `qnum qbytes lspid lrpid`, sem `nsems`, shm `segsz nattch cpid lpid`. */
  [field: string]: number;
}

/**
 * `O_TMPFILE` (`__O_TMPFILE | O_DIRECTORY`, Linux's value): `openat(dir, O_TMPFILE |
 * O_RDWR, mode)` makes an unnamed regular file in `dir`'s file system (tmpfs, overlay),
 * freed at its last close unless `linkat` names it. A separate constant so that `O` keeps
 * its shape.
 */
export const O_TMPFILE = 0o20200000;

/** `setxattr` flags (Linux values). */
export const XATTR = {
  /** Fail with `EEXIST` if the attribute exists. */
  CREATE: 1,
  /** Fail with `ENODATA` if the attribute does not exist. */
  REPLACE: 2,
} as const;

/**
 * Extended attributes (`user.` and `trusted.` namespaces, tmpfs and overlay; see
 * `sys_file_xattr.ts`). Paths are relative to the cwd; `l*` forms do not follow a final
 * symlink; `f*` forms take a descriptor. Gets and lists copy into `buf` and return the
 * length: an empty `buf` asks for the size, a short one is `ERANGE`. WASI preview1 has no
 * such calls.
 */
export interface Syscalls {
  /** `setxattr(2)`: `flags` is `XATTR.CREATE`, `XATTR.REPLACE` or 0. */
  setxattr(path: string, name: string, value: Uint8Array, flags: number): 0 | Errno;
  /** `lsetxattr(2)`. */
  lsetxattr(path: string, name: string, value: Uint8Array, flags: number): 0 | Errno;
  /** `fsetxattr(2)`. */
  fsetxattr(fd: number, name: string, value: Uint8Array, flags: number): 0 | Errno;
  /** `getxattr(2)`: the value's length, copied into `buf`. */
  getxattr(path: string, name: string, buf: Uint8Array): number | Errno;
  /** `lgetxattr(2)`. */
  lgetxattr(path: string, name: string, buf: Uint8Array): number | Errno;
  /** `fgetxattr(2)`. */
  fgetxattr(fd: number, name: string, buf: Uint8Array): number | Errno;
  /** `listxattr(2)`: names, each ended by NUL, copied into `buf`; the list's length. */
  listxattr(path: string, buf: Uint8Array): number | Errno;
  /** `llistxattr(2)`. */
  llistxattr(path: string, buf: Uint8Array): number | Errno;
  /** `flistxattr(2)`. */
  flistxattr(fd: number, buf: Uint8Array): number | Errno;
  /** `removexattr(2)`. */
  removexattr(path: string, name: string): 0 | Errno;
  /** `lremovexattr(2)`. */
  lremovexattr(path: string, name: string): 0 | Errno;
  /** `fremovexattr(2)`. */
  fremovexattr(fd: number, name: string): 0 | Errno;
}
