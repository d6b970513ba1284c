/**
 * Advisory file locks, as Linux keeps them per inode (`fs/locks.c`):
 *
 * - **flock** locks belong to an open file description ({@link OpenFile}): `dup`ed and
 *   inherited descriptors share them, the last close releases them. Converting a lock
 *   drops the old one first (not atomic, as on Linux).
 * - **POSIX** record locks (`fcntl F_SETLK`) belong to a process's descriptor table (Linux's
 *   `fl_owner` is the `files_struct`): byte ranges, split and merged per owner, all of an
 *   owner's locks on a file go with *any* close of that file by the owner, and at exit.
 *
 * The two kinds never conflict with each other (Linux since 2.0). Waiters sleep through
 * `Task.block` (a signal ends the sleep with `EINTR`) and retry whenever a lock of the
 * file is released. A POSIX wait that would close a cycle of owners each waiting for the
 * next is refused with `EDEADLK`.
 *
 * @module
 */
import { Errno } from "../errno.ts";
import type { Task } from "../task.ts";

/** A lock owner: an open file description (flock) or a descriptor table (POSIX). */
export type LockOwner = object;

/** One held lock. */
export interface HeldLock {
  /** `flock(2)` or `fcntl` record lock. */
  readonly kind: "flock" | "posix";
  /** Who holds it. */
  readonly owner: LockOwner;
  /** Write (exclusive) or read (shared) lock. */
  exclusive: boolean;
  /** First byte. */
  start: number;
  /** One past the last byte (`Infinity`: to the end of the file and beyond). */
  end: number;
  /** Pid of the locking process, as it saw itself. */
  readonly pid: number;
  /** Global pid of the locking process. */
  readonly globalPid: number;
  /** The locking process (`/proc/locks` shows its pid as the reader sees it). */
  readonly task: Task;
}

/** The locks of one file. */
interface FileLocks {
  /** Device and inode (`/proc/locks`). */
  readonly dev: number;
  readonly ino: number;
  held: HeldLock[];
  waiters: Set<() => void>;
}

/** Identity of a locked file: `dev:ino`, or the handle object of a file with no inode. */
export type LockKey = string | object;

const FILES = new Map<LockKey, FileLocks>();
/** POSIX owners asleep in `F_SETLKW`, and the owners they wait for. */
const WAITING = new Map<LockOwner, Set<LockOwner>>();

/** A conflict with someone else's lock. */
function conflicts(
  a: HeldLock,
  kind: HeldLock["kind"],
  owner: LockOwner,
  ex: boolean,
  start: number,
  end: number,
): boolean {
  return a.kind === kind && a.owner !== owner && (a.exclusive || ex) && a.start < end &&
    start < a.end;
}

function wake(f: FileLocks): void {
  const w = [...f.waiters];
  f.waiters.clear();
  for (const fn of w) fn();
}

function entry(key: LockKey, dev: number, ino: number): FileLocks {
  let f = FILES.get(key);
  if (!f) {
    f = { dev, ino, held: [], waiters: new Set() };
    FILES.set(key, f);
  }
  return f;
}

function dropIfEmpty(key: LockKey, f: FileLocks): void {
  if (f.held.length === 0 && f.waiters.size === 0 && FILES.get(key) === f) FILES.delete(key);
}

/** Whether `owner` waits (directly or through others) for `target`. */
function waitsFor(owner: LockOwner, target: LockOwner, seen = new Set<LockOwner>()): boolean {
  if (owner === target) return true;
  if (seen.has(owner)) return false;
  seen.add(owner);
  for (const next of WAITING.get(owner) ?? []) if (waitsFor(next, target, seen)) return true;
  return false;
}

/** What a lock request needs to know of the file and the caller. */
export interface LockTarget {
  /** Identity of the file ({@link lockKeyOf}). */
  key: LockKey;
  /** Device number, for `/proc/locks`. */
  dev: number;
  /** Inode number, for `/proc/locks`. */
  ino: number;
  /** The caller (sleeps, pids). */
  task: Task;
}

/**
 * Sleep until some lock of `f` is released, then retry `attempt`.
 *
 * @returns The attempt's result, or `EINTR`.
 */
function sleepAndRetry(
  f: FileLocks,
  t: LockTarget,
  attempt: () => 0 | Errno | Promise<0 | Errno>,
  waitOwner?: LockOwner,
  blockers?: Set<LockOwner>,
): Promise<0 | Errno> {
  let woke!: () => void;
  const p = new Promise<void>((r) => (woke = r));
  f.waiters.add(woke);
  if (waitOwner && blockers) WAITING.set(waitOwner, blockers);
  const done = () => {
    f.waiters.delete(woke);
    if (waitOwner) WAITING.delete(waitOwner);
  };
  return t.task.block(p, done).then((r) => {
    done();
    if (r === Errno.EINTR) {
      dropIfEmpty(t.key, f);
      return Errno.EINTR;
    }
    return attempt();
  });
}

/**
 * `flock(2)` on an open file description.
 *
 * @param t The file and caller.
 * @param owner The open file description.
 * @param op `LOCK_SH` 1, `LOCK_EX` 2, `LOCK_UN` 8, or'ed with `LOCK_NB` 4.
 * @returns 0, `EAGAIN` (held elsewhere, with `LOCK_NB`), `EINTR` or `EINVAL`.
 * @example
 * ```ts ignore
 * flockFile({ key, dev, ino, task }, openFile, LOCK.EX | LOCK.NB);
 * ```
 */
export function flockFile(
  t: LockTarget,
  owner: LockOwner,
  op: number,
): 0 | Errno | Promise<0 | Errno> {
  const nb = (op & 4) !== 0;
  const what = op & ~4;
  if (what !== 1 && what !== 2 && what !== 8) return Errno.EINVAL;
  const f = entry(t.key, t.dev, t.ino);
  const mine = f.held.findIndex((l) => l.kind === "flock" && l.owner === owner);
  if (what === 8) {
    if (mine >= 0) {
      f.held.splice(mine, 1);
      wake(f);
    }
    dropIfEmpty(t.key, f);
    return 0;
  }
  const ex = what === 2;
  if (mine >= 0) {
    const cur = f.held[mine]!;
    if (cur.exclusive === ex) return 0;
    f.held.splice(mine, 1);
    wake(f);
  }
  dropIfEmpty(t.key, f);
  const attempt = (): 0 | Errno | Promise<0 | Errno> => {
    const f = entry(t.key, t.dev, t.ino);
    if (f.held.some((l) => conflicts(l, "flock", owner, ex, 0, Infinity))) {
      if (nb) {
        dropIfEmpty(t.key, f);
        return Errno.EAGAIN;
      }
      return sleepAndRetry(f, t, attempt);
    }
    f.held.push({
      kind: "flock",
      owner,
      exclusive: ex,
      start: 0,
      end: Infinity,
      pid: t.task.nsPid,
      globalPid: t.task.id,
      task: t.task,
    });
    return 0;
  };
  return attempt();
}

/**
 * Release the flock lock of an open file description (its last close).
 *
 * @param key The file.
 * @param owner The description.
 */
export function releaseFlock(key: LockKey, owner: LockOwner): void {
  const f = FILES.get(key);
  if (!f) return;
  const before = f.held.length;
  f.held = f.held.filter((l) => !(l.kind === "flock" && l.owner === owner));
  if (f.held.length !== before) wake(f);
  dropIfEmpty(key, f);
}

/**
 * Release every POSIX lock `owner` holds on a file (any close of the file by the owner).
 *
 * @param key The file.
 * @param owner The descriptor table.
 */
export function releasePosix(key: LockKey, owner: LockOwner): void {
  const f = FILES.get(key);
  if (!f) return;
  const before = f.held.length;
  f.held = f.held.filter((l) => !(l.kind === "posix" && l.owner === owner));
  if (f.held.length !== before) wake(f);
  dropIfEmpty(key, f);
}

/** Remove `[start, end)` from `owner`'s POSIX locks of `f`, splitting where needed. */
function carve(f: FileLocks, owner: LockOwner, start: number, end: number): boolean {
  const out: HeldLock[] = [];
  let changed = false;
  for (const l of f.held) {
    if (l.kind !== "posix" || l.owner !== owner || l.end <= start || end <= l.start) {
      out.push(l);
      continue;
    }
    changed = true;
    if (l.start < start) out.push({ ...l, end: start });
    if (end < l.end) out.push({ ...l, start: end });
  }
  f.held = out;
  return changed;
}

/** Merge `owner`'s touching or overlapping POSIX locks of the same type. */
function coalesce(f: FileLocks, owner: LockOwner): void {
  const mine = f.held.filter((l) => l.kind === "posix" && l.owner === owner)
    .sort((a, b) => a.start - b.start);
  const rest = f.held.filter((l) => !(l.kind === "posix" && l.owner === owner));
  const merged: HeldLock[] = [];
  for (const l of mine) {
    const last = merged.at(-1);
    if (last && last.exclusive === l.exclusive && l.start <= last.end) {
      last.end = Math.max(last.end, l.end);
    } else merged.push({ ...l });
  }
  f.held = [...rest, ...merged];
}

/** A POSIX lock request with its range resolved to `[start, end)`. */
export interface RangeRequest {
  /** `F_RDLCK` 0, `F_WRLCK` 1, `F_UNLCK` 2. */
  type: number;
  /** First byte. */
  start: number;
  /** One past the last byte (`Infinity` for "to the end"). */
  end: number;
}

/**
 * `F_GETLK`: the first lock of another owner that would block `req`.
 *
 * @param t The file and caller.
 * @param owner The caller's descriptor table.
 * @param req The range and type asked about.
 * @returns The conflicting lock, or null.
 */
export function testPosix(t: LockTarget, owner: LockOwner, req: RangeRequest): HeldLock | null {
  const f = FILES.get(t.key);
  if (!f) return null;
  return f.held.find((l) => conflicts(l, "posix", owner, req.type === 1, req.start, req.end)) ??
    null;
}

/**
 * `F_SETLK`/`F_SETLKW`: take, change or release (`F_UNLCK`) a byte range.
 *
 * @param t The file and caller.
 * @param owner The caller's descriptor table.
 * @param req The range and type.
 * @param wait `F_SETLKW`: sleep on a conflict.
 * @returns 0, `EAGAIN` (conflict, no wait), `EDEADLK`, `EINTR`.
 * @example
 * ```ts ignore
 * setPosix(target, task.fs.fds, { type: 1, start: 0, end: 10 }, false);
 * ```
 */
export function setPosix(
  t: LockTarget,
  owner: LockOwner,
  req: RangeRequest,
  wait: boolean,
): 0 | Errno | Promise<0 | Errno> {
  const f = entry(t.key, t.dev, t.ino);
  if (req.type === 2) {
    if (carve(f, owner, req.start, req.end)) {
      coalesce(f, owner);
      wake(f);
    }
    dropIfEmpty(t.key, f);
    return 0;
  }
  dropIfEmpty(t.key, f);
  const ex = req.type === 1;
  const attempt = (): 0 | Errno | Promise<0 | Errno> => {
    const f = entry(t.key, t.dev, t.ino);
    const blocking = f.held.filter((l) => conflicts(l, "posix", owner, ex, req.start, req.end));
    if (blocking.length > 0) {
      if (!wait) {
        dropIfEmpty(t.key, f);
        return Errno.EAGAIN;
      }
      const blockers = new Set(blocking.map((l) => l.owner));
      for (const b of blockers) {
        if (waitsFor(b, owner)) {
          dropIfEmpty(t.key, f);
          return Errno.EDEADLK;
        }
      }
      return sleepAndRetry(f, t, attempt, owner, blockers);
    }
    // A shared lock replacing part of an exclusive one lets readers in.
    const downgraded = f.held.some((l) =>
      l.kind === "posix" && l.owner === owner && l.exclusive && !ex && l.start < req.end &&
      req.start < l.end
    );
    carve(f, owner, req.start, req.end);
    f.held.push({
      kind: "posix",
      owner,
      exclusive: ex,
      start: req.start,
      end: req.end,
      pid: t.task.nsPid,
      globalPid: t.task.id,
      task: t.task,
    });
    coalesce(f, owner);
    if (downgraded) wake(f);
    return 0;
  };
  return attempt();
}

/** One row of {@link listLocks}. */
export interface LockRow {
  /** The lock. */
  lock: HeldLock;
  /** Device number of the file. */
  dev: number;
  /** Inode number of the file. */
  ino: number;
}

/**
 * Every lock held now, for `/proc/locks`.
 *
 * @returns The locks, in no particular order.
 * @example
 * ```ts
 * import { listLocks } from "./file_lock.ts";
 * console.assert(Array.isArray(listLocks()));
 * ```
 */
export function listLocks(): LockRow[] {
  const out: LockRow[] = [];
  for (const f of FILES.values()) {
    for (const lock of f.held) out.push({ lock, dev: f.dev, ino: f.ino });
  }
  return out;
}

/**
 * `/proc/locks`: one line per lock, as Linux prints them
 * (`1: POSIX  ADVISORY  WRITE 42 00:40:7 0 EOF`); the pid is the owner's as the reader sees
 * it, 0 when it is not visible in the reader's PID namespace.
 *
 * @param pidOf The owner's pid for the reader.
 * @returns The text.
 * @example
 * ```ts
 * import { procLocksText } from "./file_lock.ts";
 * console.assert(typeof procLocksText(() => 0) === "string");
 * ```
 */
export function procLocksText(pidOf: (task: Task) => number): string {
  const hex = (n: number) => n.toString(16).padStart(2, "0");
  return listLocks().map((r, i) => {
    const l = r.lock;
    const kind = l.kind === "posix" ? "POSIX " : "FLOCK ";
    const end = l.end === Infinity ? "EOF" : String(l.end - 1);
    return `${i + 1}: ${kind} ADVISORY  ${l.exclusive ? "WRITE" : "READ "} ${pidOf(l.task)} ` +
      `${hex((r.dev >> 8) & 0xfff)}:${hex(r.dev & 0xff)}:${r.ino} ${l.start} ${end}\n`;
  }).join("");
}

/**
 * The identity locks are kept under: `dev:ino` of the file (every open of the same file
 * shares its locks), or the handle itself for a file with no inode (an anonymous pipe).
 *
 * @param file An open file's place and handle.
 * @returns The key.
 * @example
 * ```ts ignore
 * lockKeyOf(openFile);
 * ```
 */
export function lockKeyOf(
  file: { loc: { inode: { fs: { dev: number }; ino: number } } | null; handle: object },
): LockKey {
  return file.loc ? `${file.loc.inode.fs.dev}:${file.loc.inode.ino}` : file.handle;
}

/**
 * Whether any file has lock state at all (the close path's first, cheapest check).
 *
 * @returns True when some lock or waiter exists anywhere.
 */
export function anyLocks(): boolean {
  return FILES.size > 0;
}

/**
 * Whether a file has any lock state (a cheap check for the close path).
 *
 * @param key The file.
 * @returns True when some lock or waiter exists.
 */
export function hasLocks(key: LockKey): boolean {
  return FILES.has(key);
}
