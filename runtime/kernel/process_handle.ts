/**
 * What the kernel API's `spawn` takes and gives: the request, the handle of the started
 * process (pid, stdio streams, wait, kill, stop) and its errors.
 *
 * @module
 */
import { type Errno, errnoName, strerror } from "./errno.ts";
import type { BuiltinMain } from "./executor.ts";
import type { StreamHandle } from "./host_stdio.ts";
import type { Process } from "./process.ts";
import type { ProcessFs } from "./process_fs.ts";
import { W } from "./syscalls/api.ts";
import type { Credentials } from "./task.ts";
import type { HostTerminal } from "./fs/devpts/pty_host.ts";

/** Where a spawned process's standard stream goes. */
export type StdioSpec = "pipe" | "null" | StreamHandle;

/** What {@link Kernel.spawn} starts. */
export interface SpawnRequest {
  /** argv; `argv[0]` is also the program unless `path` is given. */
  argv: string[];
  /** Program path or name (PATH search when it has no `/`). */
  path?: string;
  /** Environment, `KEY=value` (default: PATH only). */
  env?: string[];
  /** Working directory. */
  cwd?: string;
  /** Cgroup path (created when missing). Default "/". */
  cgroup?: string;
  /** `CLONE_NEW*` flags. */
  cloneFlags?: number;
  /** Hostname of a new UTS namespace. */
  hostname?: string;
  /** File-system state (the VFS's `FsState` rooted at the container's root). Default: no root. */
  fs?: ProcessFs;
  /** Credentials (default root). */
  cred?: Partial<Credentials>;
  /** stdin: "null" (default), "pipe" (a WritableStream on the handle), a host stream, or a handle. */
  stdin?: "null" | "pipe" | ReadableStream<Uint8Array> | StreamHandle;
  /** stdout (default "pipe"). */
  stdout?: StdioSpec;
  /** stderr (default "pipe"). */
  stderr?: StdioSpec;
  /** Test and embedding hook: run this builtin instead of exec'ing a file. */
  program?: BuiltinMain;
  /** Join the namespaces and cgroup of this process (global pid), like `docker exec`. */
  joinPid?: number;
  /** Keep the descriptors of `fs` as they are (do not install stdio). */
  keepFds?: boolean;
  /**
   * Mounts made in the new process's mount namespace before its program starts, as runc
   * does inside the container (e.g. `{ source: "proc", target: "/proc", fstype: "proc" }`,
   * `{ source: "cgroup", target: "/sys/fs/cgroup", fstype: "cgroup2" }`). The kernel's
   * file-system types are added to the namespace's table when missing. Needs a VFS `fs`.
   */
  mounts?: SpawnMount[];
  /**
   * A new pseudo-terminal for the process, as runc's `terminal: true`: a pair is made on
   * the `/dev/ptmx` of its root (its devpts), the slave becomes its fds 0-2 and, the
   * process leading its own session, its controlling terminal; the master is the handle's
   * {@link ProcessHandle.terminal}. Replaces `stdin`/`stdout`/`stderr`; needs a VFS `fs`
   * with devpts on `/dev/pts`.
   */
  terminal?: boolean;
}

/** One mount of {@link SpawnRequest.mounts}. */
export interface SpawnMount {
  /** Source ("proc", "tmpfs", a path for binds). */
  source: string;
  /** Mount point (created when missing, with its parents). */
  target: string;
  /** File-system type ("proc", "cgroup2", "tmpfs", "devtmpfs", …). */
  fstype: string;
  /** `MS_*` flags (default 0). */
  flags?: number;
  /** Options ("size=1m"). */
  data?: string;
}

/** How a process ended. */
export interface ExitStatus {
  /** The Linux wait status word. */
  status: number;
  /** Exit code as a shell reports it: the code, or 128+signal. */
  exitCode: number;
  /** The killing signal, or null for a normal exit. */
  signal: number | null;
}

/** A process started by {@link Kernel.spawn}. */
export interface ProcessHandle {
  /** Global pid (the kernel's initial namespace). */
  readonly pid: number;
  /** Pid in the process's own namespace (1 for a container's init). */
  readonly nsPid: number;
  /** The process. */
  readonly process: Process;
  /** stdout when "pipe". */
  readonly stdout: ReadableStream<Uint8Array> | null;
  /** stderr when "pipe". */
  readonly stderr: ReadableStream<Uint8Array> | null;
  /** stdin when "pipe". */
  readonly stdin: WritableStream<Uint8Array> | null;
  /** The master of its terminal, with {@link SpawnRequest.terminal}. */
  readonly terminal?: HostTerminal;
  /** Resolves when the process exits. */
  wait(): Promise<ExitStatus>;
  /** Send a signal from outside every namespace (default SIGTERM). */
  kill(sig?: number): void;
  /**
   * `docker stop`: SIGTERM (or `signal`), then SIGKILL when the process has not exited
   * after `timeoutMs` (default 10 s).
   */
  stop(timeoutMs?: number, signal?: number): Promise<ExitStatus>;
}

/** A spawn that failed before the program started. */
export class SpawnError extends Error {
  /** The errno. */
  readonly errno: Errno;
  /** What the executor's admission found wrong (`unknown import "env"."foo"`), if it said. */
  readonly detail: string | undefined;
  /**
   * A spawn failure.
   *
   * @param errno Why.
   * @param what The program.
   * @param detail The reason an executor gave for refusing the program.
   */
  constructor(errno: Errno, what: string, detail?: string) {
    super(
      `Cannot start ${what}: ${strerror(errno)} (${errnoName(errno)})` +
        (detail ? `: ${detail}` : ""),
    );
    this.name = "SpawnError";
    this.errno = errno;
    this.detail = detail;
  }
}

/**
 * Turn a wait status into an {@link ExitStatus}.
 *
 * @param status Linux wait status.
 * @returns The decoded status.
 * @example
 * ```ts
 * import { exitStatusOf } from "./kernel.ts";
 * console.assert(exitStatusOf(9).exitCode === 137);
 * ```
 */
export function exitStatusOf(status: number): ExitStatus {
  if (W.IFSIGNALED(status)) {
    const sig = W.TERMSIG(status);
    return { status, exitCode: 128 + sig, signal: sig };
  }
  return { status, exitCode: W.EXITSTATUS(status), signal: null };
}
