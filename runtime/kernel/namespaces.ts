/**
 * Namespaces as objects with parents: PID (nested, a pid per level), UTS (hostname and
 * domainname). The mount namespace belongs to the VFS (`vfs/mount.ts`) and the IPC
 * namespace to the IPC subsystem (`ipc/`); the kernel stores them opaquely.
 *
 * @module
 */

let nextNsInode = 4026531835;

/**
 * A fresh namespace inode number, as `/proc/PID/ns/*` links show (`pid:[4026531836]`).
 *
 * @returns A number unique in this JavaScript realm.
 * @example
 * ```ts
 * import { allocNsInode } from "./namespaces.ts";
 * console.assert(allocNsInode() !== allocNsInode());
 * ```
 */
export function allocNsInode(): number {
  return nextNsInode++;
}

/** Largest pid before numbers wrap (Linux `pid_max` on 64-bit). */
export const PID_MAX = 4_194_304;

/** A PID namespace: its own pid numbering, an init (pid 1) that reaps orphans. */
export class PidNamespace<P = unknown> {
  /** Inode number for `/proc/PID/ns/pid`. */
  readonly inode: number = allocNsInode();
  /** The parent namespace, null for the kernel's initial one. */
  readonly parent: PidNamespace<P> | null;
  /** Nesting level: 0 for the initial namespace. */
  readonly level: number;
  /** Processes with a pid in this namespace (including zombies), by that pid. */
  readonly procs: Map<number, P> = new Map();
  /** Pids still referenced as a process group or session id (not reusable). */
  readonly heldPids: Map<number, number> = new Map();
  /** The init process (pid 1), once created. */
  init: P | null = null;
  /** Set when init has exited: no new process may enter (`fork` gives `ENOMEM` as Linux). */
  dead = false;
  #next = 1;

  /**
   * A namespace with no process yet.
   *
   * @param parent Parent namespace, null for the initial one.
   */
  constructor(parent: PidNamespace<P> | null) {
    this.parent = parent;
    this.level = parent ? parent.level + 1 : 0;
  }

  /**
   * Allocate the lowest unused pid after the last one given, wrapping at {@link PID_MAX}
   * (Linux never reuses a pid held by a zombie, a group or a session).
   *
   * @returns The pid, or 0 when the space is exhausted.
   */
  allocPid(): number {
    for (let tries = 0; tries < PID_MAX; tries++) {
      const pid = this.#next;
      this.#next = pid >= PID_MAX ? 300 : pid + 1;
      if (!this.procs.has(pid) && !this.heldPids.has(pid)) return pid;
    }
    return 0;
  }

  /** Whether `ns` is this namespace or a descendant of it. */
  contains(ns: PidNamespace<P>): boolean {
    for (let n: PidNamespace<P> | null = ns; n; n = n.parent) if (n === this) return true;
    return false;
  }
}

/** A UTS namespace: hostname and NIS domain name. */
export class UtsNamespace {
  /** Inode number for `/proc/PID/ns/uts`. */
  readonly inode: number = allocNsInode();
  /** Parent namespace (the one it was copied from), null for the initial one. */
  readonly parent: UtsNamespace | null;
  /** Hostname (`uname -n`). */
  hostname: string;
  /** NIS domain name. */
  domainname: string;

  /**
   * A namespace copying its parent's names.
   *
   * @param parent Namespace to copy the names from, or null.
   * @param hostname Hostname (default: the parent's, or "berth").
   */
  constructor(parent: UtsNamespace | null, hostname?: string) {
    this.parent = parent;
    this.hostname = hostname ?? parent?.hostname ?? "berth";
    this.domainname = parent?.domainname ?? "(none)";
  }
}

/**
 * A process-group or session id that outlives its leader: the numbers it has in each PID
 * namespace level, like Linux's `struct pid`.
 */
export class PidRef<P = unknown> {
  /** Pid numbers, index = namespace level. */
  readonly numbers: readonly number[];
  /** The namespaces, index = level; the last is the owner's namespace. */
  readonly namespaces: readonly PidNamespace<P>[];

  /**
   * A pid with its number in each namespace level.
   *
   * @param numbers Pid per level.
   * @param namespaces Namespace per level.
   */
  constructor(numbers: number[], namespaces: PidNamespace<P>[]) {
    this.numbers = numbers;
    this.namespaces = namespaces;
  }

  /** The global (level 0) number. */
  get global(): number {
    return this.numbers[0] ?? 0;
  }

  /**
   * The number of this pid as seen from `ns`.
   *
   * @param ns A PID namespace.
   * @returns The number, or 0 when the pid is not visible in `ns`.
   */
  nrIn(ns: PidNamespace<P>): number {
    return this.namespaces[ns.level] === ns ? this.numbers[ns.level] ?? 0 : 0;
  }

  /** Keep these numbers from reuse (a group or session refers to them). */
  hold(): void {
    this.namespaces.forEach((ns, i) => {
      const n = this.numbers[i] ?? 0;
      ns.heldPids.set(n, (ns.heldPids.get(n) ?? 0) + 1);
    });
  }

  /** Undo {@link hold}. */
  release(): void {
    this.namespaces.forEach((ns, i) => {
      const n = this.numbers[i] ?? 0;
      const c = (ns.heldPids.get(n) ?? 0) - 1;
      if (c <= 0) ns.heldPids.delete(n);
      else ns.heldPids.set(n, c);
    });
  }
}
