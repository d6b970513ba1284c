/**
 * The system call table: every call of `Syscalls` (api.ts) with its family, the file that
 * implements it, its Linux x86_64 number where one exists, and its support level, with
 * what is missing. `berth info` and the docs read it; a test checks that it names every
 * call of the interface exactly once.
 *
 * @module
 */

/** How completely a call is implemented. */
export type Support = "full" | "partial" | "enosys";

/** The family (and file) a call belongs to. */
export type Family = "proc" | "signal" | "file" | "mount" | "pipe" | "ipc";

/** One row of the table. */
export interface SyscallEntry {
  /** Call name, as in api.ts. */
  readonly name: string;
  /** Linux x86_64 number (null for Berth-only calls such as `spawn`). */
  readonly nr: number | null;
  /** Family file. */
  readonly family: Family;
  /** Support level. */
  readonly support: Support;
  /** What differs from Linux or is missing. */
  readonly note?: string;
}

const P: Family = "proc",
  S: Family = "signal",
  F: Family = "file",
  M: Family = "mount",
  I: Family = "ipc";

/** Every system call of the Berth kernel. */
export const SYSCALL_TABLE: readonly SyscallEntry[] = [
  { name: "getpid", nr: 39, family: P, support: "full" },
  {
    name: "getppid",
    nr: 110,
    family: P,
    support: "full",
    note: "0 when the parent is outside the caller's PID namespace",
  },
  {
    name: "gettid",
    nr: 186,
    family: P,
    support: "full",
    note: "single-threaded processes: tid = pid",
  },
  { name: "getuid", nr: 102, family: P, support: "full" },
  { name: "getgid", nr: 104, family: P, support: "full" },
  { name: "geteuid", nr: 107, family: P, support: "full" },
  { name: "getegid", nr: 108, family: P, support: "full" },
  {
    name: "setuid",
    nr: 105,
    family: P,
    support: "partial",
    note: "no saved set-user-ID; ids through the user namespace's map",
  },
  { name: "setgid", nr: 106, family: P, support: "partial", note: "no saved set-group-ID" },
  { name: "getgroups", nr: 115, family: P, support: "full" },
  { name: "setgroups", nr: 116, family: P, support: "full" },
  { name: "setsid", nr: 112, family: P, support: "full" },
  { name: "getsid", nr: 124, family: P, support: "full" },
  {
    name: "setpgid",
    nr: 109,
    family: P,
    support: "full",
    note: "no EACCES after the child's exec",
  },
  { name: "getpgid", nr: 121, family: P, support: "full" },
  { name: "environ", nr: null, family: P, support: "full", note: "Berth: the process's envp" },
  { name: "argv", nr: null, family: P, support: "full", note: "Berth: the process's argv" },
  { name: "umask", nr: 95, family: P, support: "full" },
  {
    name: "getpriority",
    nr: 140,
    family: P,
    support: "full",
    note: "returns 20 - nice, as the system call (glibc turns it back)",
  },
  { name: "setpriority", nr: 141, family: P, support: "full" },
  {
    name: "spawn",
    nr: null,
    family: P,
    support: "full",
    note: "posix_spawnp with CLONE_NEW* flags and file actions; no fork()",
  },
  {
    name: "execve",
    nr: 59,
    family: P,
    support: "full",
    note: "binfmt: #!, berthbox, registered formats (\\0asm); ELF gives ENOEXEC",
  },
  {
    name: "wait4",
    nr: 61,
    family: P,
    support: "full",
    note: "WNOHANG WUNTRACED WCONTINUED; no __WALL/__WCLONE",
  },
  { name: "exit", nr: 231, family: P, support: "full", note: "exit_group" },
  {
    name: "unshare",
    nr: 272,
    family: P,
    support: "partial",
    note:
      "NEWPID NEWNS NEWIPC NEWUTS NEWCGROUP NEWUSER (root inside has no kernel privilege); no NEWNET",
  },
  {
    name: "setns",
    nr: 308,
    family: P,
    support: "partial",
    note: "needs an fd from procfs /proc/PID/ns/* carrying its namespace; not user namespaces",
  },
  { name: "sched_yield", nr: 24, family: P, support: "full" },
  {
    name: "nanosleep",
    nr: 35,
    family: P,
    support: "full",
    note: "timer resolution of the host (~1 ms); rem on EINTR",
  },
  {
    name: "clock_gettime",
    nr: 228,
    family: P,
    support: "full",
    note: "REALTIME MONOTONIC PROCESS/THREAD_CPUTIME MONOTONIC_RAW *_COARSE BOOTTIME",
  },
  { name: "clock_getres", nr: 229, family: P, support: "full", note: "1 µs" },
  { name: "getrusage", nr: 98, family: P, support: "partial", note: "utime, stime, maxrss only" },
  { name: "uname", nr: 63, family: P, support: "full" },
  { name: "sethostname", nr: 170, family: P, support: "full" },
  { name: "setdomainname", nr: 171, family: P, support: "full" },
  {
    name: "prlimit",
    nr: 302,
    family: P,
    support: "partial",
    note: "RLIMIT_NOFILE enforced; other limits stored only",
  },
  { name: "getrandom", nr: 318, family: P, support: "full" },
  {
    name: "sbrk",
    nr: 12,
    family: P,
    support: "partial",
    note:
      "libc's sbrk over brk(2), as accounting: a builtin declares the heap it keeps; charged as anon memory, OOM killer past memory.max",
  },
  { name: "kill", nr: 62, family: S, support: "full" },
  {
    name: "sigaction",
    nr: 13,
    family: S,
    support: "partial",
    note:
      "builtins: handler functions; SA_RESTART/SA_NODEFER/SA_RESETHAND; no SA_SIGINFO; handlers run at syscall return",
  },
  { name: "sigprocmask", nr: 14, family: S, support: "full" },
  { name: "pause", nr: 34, family: S, support: "full" },
  { name: "alarm", nr: 37, family: S, support: "full" },
  ...[
    ["openat", 257],
    ["close", 3],
    ["read", 0],
    ["write", 1],
    ["pread", 17],
    ["pwrite", 18],
    ["readv", 19],
    ["writev", 20],
    ["lseek", 8],
    ["fstat", 5],
    ["fstatat", 262],
    ["fsync", 74],
    ["ftruncate", 77],
    ["truncate", 76],
    ["getdents64", 217],
    ["mkdirat", 258],
    ["unlinkat", 263],
    ["renameat2", 316],
    ["linkat", 265],
    ["symlinkat", 266],
    ["readlinkat", 267],
    ["fchmodat", 268],
    ["fchmod", 91],
    ["fchownat", 260],
    ["fchown", 93],
    ["utimensat", 280],
    ["futimens", null],
    ["faccessat", 269],
    ["chdir", 80],
    ["fchdir", 81],
    ["getcwd", 79],
    ["chroot", 161],
    ["dup", 32],
    ["dup3", 292],
    ["fcntl", 72],
    ["ioctl", 16],
    ["isatty", null],
    ["mknodat", 259],
    ["statfs", 137],
    ["poll", 7],
  ].map(([name, nr]) => ({
    name: name as string,
    nr: nr as number | null,
    family: F,
    support: "full" as const,
    note: "VFS (runtime/kernel/vfs, syscalls/sys_file*.ts)",
  })),
  {
    name: "pipe2",
    nr: 293,
    family: "pipe" as Family,
    support: "full",
    note: "syscalls/sys_pipe.ts",
  },
  {
    name: "mount",
    nr: 165,
    family: M,
    support: "partial",
    note: "tmpfs proc cgroup2 devtmpfs devpts mqueue and MS_BIND; private propagation only",
  },
  { name: "umount2", nr: 166, family: M, support: "full" },
  {
    name: "flock",
    nr: 73,
    family: F,
    support: "full",
    note: "advisory, per open file description (vfs/file_lock.ts, syscalls/sys_lock.ts)",
  },
  {
    name: "fcntl_lock",
    nr: 72,
    family: F,
    support: "partial",
    note: "fcntl F_GETLK/F_SETLK/F_SETLKW POSIX record locks; no F_OFD_* locks or leases",
  },
  { name: "pivot_root", nr: 155, family: M, support: "full" },
  ...[
    ["setxattr", 188],
    ["lsetxattr", 189],
    ["fsetxattr", 190],
    ["getxattr", 191],
    ["lgetxattr", 192],
    ["fgetxattr", 193],
    ["listxattr", 194],
    ["llistxattr", 195],
    ["flistxattr", 196],
    ["removexattr", 197],
    ["lremovexattr", 198],
    ["fremovexattr", 199],
  ].map(([name, nr]) => ({
    name: name as string,
    nr: nr as number,
    family: F,
    support: "partial" as const,
    note:
      "user. and trusted. namespaces on tmpfs and overlay (syscalls/sys_file_xattr.ts); security./system. EOPNOTSUPP; no WASI preview1 call",
  })),
  ...[
    ["msgget", 68],
    ["msgsnd", 69],
    ["msgrcv", 70],
    ["msgctl", 71],
    ["semget", 64],
    ["semop", 65],
    ["semctl", 66],
    ["shmget", 29],
    ["shmat", 30],
    ["shmdt", 67],
    ["shmctl", 31],
    ["mq_open", 240],
    ["mq_send", 242],
    ["mq_receive", 243],
    ["mq_unlink", 241],
    ["mq_getattr", 245],
  ].map(([name, nr]) => ({
    name: name as string,
    nr: nr as number,
    family: I,
    support: "full" as const,
    note: (name as string).startsWith("mq_")
      ? "POSIX mqueues need a VFS descriptor table (ENOSYS without a root)"
      : "runtime/kernel/ipc, syscalls/sys_ipc.ts",
  })),
];

/**
 * The table entry of a call.
 *
 * @param name Call name.
 * @returns The entry, or undefined.
 * @example
 * ```ts
 * import { syscallEntry } from "./table.ts";
 * console.assert(syscallEntry("getpid")?.nr === 39);
 * ```
 */
export function syscallEntry(name: string): SyscallEntry | undefined {
  return SYSCALL_TABLE.find((e) => e.name === name);
}
