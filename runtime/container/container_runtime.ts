/**
 * The boundary between the container engine (records, lifecycle, logs, policies) and
 * what runs a container's processes: the kernel adapter implements it with the one
 * emulated kernel (namespaces, cgroup, overlay rootfs, mounts, init as pid 1).
 *
 * @module
 */
import type { ContainerRecord } from "./container_state.ts";

/** How a container's init ended. */
export interface InitExit {
  /** Exit status (128+n for death by signal n). */
  exitCode: number;
  /** Whether the OOM killer killed a process of the container's cgroup. */
  oomKilled: boolean;
}

/** Where a container's output goes. */
export interface ContainerIo {
  /** stdout bytes (or the terminal's output with a TTY). */
  stdout(data: Uint8Array): void;
  /** stderr bytes (never with a TTY). */
  stderr(data: Uint8Array): void;
}

/** One process as `top` lists it (`ps -ef` columns). */
export interface ProcessInfo {
  /** User name or uid. */
  uid: string;
  /** Pid as the host (the kernel's init namespace) sees it. */
  pid: number;
  /** Parent pid (host view). */
  ppid: number;
  /** CPU percentage (integer). */
  c: number;
  /** Start time ("20:01"). */
  stime: string;
  /** Terminal ("?" or "pts/0"). */
  tty: string;
  /** CPU time ("00:00:01"). */
  time: string;
  /** Command line. */
  cmd: string;
}

/** A container's cgroup readings. */
export interface CgroupStats {
  /** Total CPU time, microseconds. */
  cpuUsageUsec: number;
  /** memory.current. */
  memoryCurrent: number;
  /** memory.max (undefined = unlimited). */
  memoryMax?: number;
  /** memory.peak. */
  memoryPeak: number;
  /** pids.current. */
  pidsCurrent: number;
  /** pids.max (undefined = unlimited). */
  pidsMax?: number;
  /** cpu.stat throttling. */
  nrPeriods: number;
  /** cpu.stat. */
  nrThrottled: number;
  /** cpu.stat. */
  throttledUsec: number;
}

/** Options of an exec. */
export interface ExecOptions {
  /** argv. */
  argv: string[];
  /** Extra environment. */
  env: string[];
  /** Working directory ("" = the container's). */
  workdir: string;
  /** User ("" = the container's). */
  user: string;
  /** Allocate a TTY. */
  tty: boolean;
  /** Keep stdin open. */
  stdin: boolean;
}

/** A process started by exec. */
export interface ExecProcess {
  /** Host pid. */
  pid: number;
  /** Exit status. */
  exited: Promise<number>;
  /** Feed stdin (no-op when stdin is closed). */
  writeStdin(data: Uint8Array): void;
  /** Close stdin (EOF). */
  closeStdin(): void;
  /** Resize its terminal. */
  resize(rows: number, cols: number): void;
}

/** A change of the writable layer, as `docker diff` reports it (0 C, 1 A, 2 D). */
export interface FsChange {
  /** Path in the container. */
  Path: string;
  /** 0 modified, 1 added, 2 deleted. */
  Kind: 0 | 1 | 2;
}

/** A started container. */
export interface RunningContainer {
  /** Host pid of init. */
  readonly pid: number;
  /** Settles when init has exited and the namespace is gone. */
  readonly exited: Promise<InitExit>;
  /** Send a signal to init (as `kill` from outside: SIGKILL/SIGSTOP always act). */
  kill(sig: number): void;
  /** Freeze (pause) or thaw the cgroup. */
  freeze(frozen: boolean): void;
  /** Feed the init's stdin. */
  writeStdin(data: Uint8Array): void;
  /** Close the init's stdin. */
  closeStdin(): void;
  /** Resize the init's terminal. */
  resize(rows: number, cols: number): void;
  /** Start a process in the container's namespaces and cgroup. */
  exec(opts: ExecOptions, io: ContainerIo): Promise<ExecProcess>;
  /** The container's processes. */
  top(): ProcessInfo[];
  /** The cgroup's readings. */
  stats(): CgroupStats;
  /** Apply new resources to the cgroup (`update`). */
  update(values: Record<string, string>): void;
}

/** File-system operations on a container's root (running or stopped). */
export interface ContainerFs {
  /** Changes in the writable layer. */
  changes(record: ContainerRecord): Promise<FsChange[]>;
  /** The writable layer as an OCI layer tar (whiteouts for deletions). */
  diffTar(record: ContainerRecord): Promise<Uint8Array>;
  /** The merged root file system as a tar (`export`). */
  exportTar(record: ContainerRecord): Promise<ReadableStream<Uint8Array>>;
  /** A path as a tar stream (`cp` out, `GET /archive`), with its stat. */
  archive(record: ContainerRecord, path: string): Promise<{ tar: Uint8Array; stat: PathStat }>;
  /** Stat a path (`HEAD /archive`). */
  statPath(record: ContainerRecord, path: string): Promise<PathStat>;
  /** Extract a tar into a directory (`cp` in, `PUT /archive`). */
  extract(record: ContainerRecord, dir: string, tar: Uint8Array): Promise<void>;
  /** Bytes of the writable layer (Docker's `SizeRw`: files and symlinks, hard links once). */
  sizeRw(record: ContainerRecord): Promise<number>;
}

/** Docker's `X-Docker-Container-Path-Stat` fields. */
export interface PathStat {
  /** Base name. */
  name: string;
  /** Size. */
  size: number;
  /** Go os.FileMode bits (dir = 1<<31, symlink = 1<<27) | perm. */
  mode: number;
  /** RFC 3339. */
  mtime: string;
  /** Symlink target. */
  linkTarget: string;
}

/**
 * Namespaces a starting container joins instead of creating (`--ipc container:X`,
 * `--pid container:X`): the host pid of a process already in each one (the other
 * container's main process), as runc joins the paths in `linux.namespaces`.
 */
export interface NamespaceJoins {
  /** Join this process's IPC namespace. */
  ipc?: number;
  /** Join this process's PID namespace (the container's processes are not pid 1 there). */
  pid?: number;
}

/** What runs containers. */
export interface ContainerRuntime {
  /**
   * Create namespaces, cgroup and mounts for a record and start its init.
   *
   * @param record The container (spec, image, limits).
   * @param io Where output goes.
   * @param joins Namespaces of other containers to join (none: all new).
   * @returns The running container.
   * @throws {ContainerStartError} When the program cannot be found (127) or run (126).
   */
  start(
    record: ContainerRecord,
    io: ContainerIo,
    joins?: NamespaceJoins,
  ): Promise<RunningContainer>;
  /** Persist the container's writable layer (it must survive a daemon restart). */
  saveUpper(record: ContainerRecord): Promise<void>;
  /** Forget a removed container's state. */
  remove(record: ContainerRecord): Promise<void>;
  /** File-system operations. */
  readonly fs: ContainerFs;
  /** Stop everything (daemon shutdown). */
  shutdown(): Promise<void>;
}

/** A start that failed before the program ran: Docker's 126/127 cases. */
export class ContainerStartError extends Error {
  /** HTTP status for the daemon. */
  readonly httpStatus: number;
  /**
   * Create it.
   *
   * @param message Docker-like message ("exec: \"nope\": executable file not found in $PATH").
   * @param exitCode 127 not found, 126 cannot invoke.
   */
  constructor(message: string, readonly exitCode: 126 | 127) {
    super(message);
    this.name = "ContainerStartError";
    this.httpStatus = exitCode === 127 ? 404 : 400;
  }
}
