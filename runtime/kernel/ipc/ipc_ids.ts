/**
 * The id table of one kind of System V object in one IPC namespace (Linux `ipc_ids`):
 * objects by index and by key, ids `seq * IPCMNI + index` so that a stale id of a
 * removed object does not reach its successor, and the common `*get` logic.
 *
 * @module
 */
import { Errno } from "../errno.ts";
import type { Credentials } from "../task.ts";
import { IPC_CREAT, IPC_EXCL, IPC_PRIVATE, IPCMNI } from "./ipc_perm.ts";
import type { IpcPerm } from "./ipc_perm.ts";

/** Anything with an {@link IpcPerm}. */
export interface IpcObject {
  /** Permissions, key and id. */
  readonly perm: IpcPerm;
}

/** Objects of one kind, indexed by id and key. */
export class IpcIds<T extends IpcObject> {
  #byIndex: (T | undefined)[] = [];
  #byKey = new Map<number, T>();
  #seq = 0;
  #count = 0;

  /** Number of live objects. */
  get count(): number {
    return this.#count;
  }

  /** Highest index in use, -1 when empty (`*_INFO` returns it). */
  get maxIndex(): number {
    for (let i = this.#byIndex.length - 1; i >= 0; i--) if (this.#byIndex[i]) return i;
    return -1;
  }

  /**
   * The object behind an id.
   *
   * @param id A full id.
   * @returns The object, or undefined when the id is unknown or stale.
   */
  get(id: number): T | undefined {
    if (!Number.isInteger(id) || id < 0) return undefined;
    const o = this.#byIndex[id % IPCMNI];
    return o && o.perm.id === id ? o : undefined;
  }

  /**
   * The object at a table index (`MSG_STAT`, `SEM_STAT`, `SHM_STAT`).
   *
   * @param index Index.
   * @returns The object or undefined.
   */
  at(index: number): T | undefined {
    return this.#byIndex[index];
  }

  /**
   * The object with a key.
   *
   * @param key A non-private key.
   * @returns The object or undefined.
   */
  find(key: number): T | undefined {
    return this.#byKey.get(key);
  }

  /**
   * Insert an object: gives it an id and indexes its key.
   *
   * @param obj The object.
   * @param max Limit on the number of objects (`msgmni`, `semmni`, `shmmni`).
   * @returns The id, or `ENOSPC` over the limit.
   */
  add(obj: T, max: number): number | Errno {
    if (this.#count >= Math.min(max, IPCMNI)) return Errno.ENOSPC;
    let idx = 0;
    while (this.#byIndex[idx]) idx++;
    this.#byIndex[idx] = obj;
    obj.perm.id = this.#seq * IPCMNI + idx;
    this.#seq = (this.#seq + 1) % 65536;
    if (obj.perm.key !== IPC_PRIVATE) this.#byKey.set(obj.perm.key, obj);
    this.#count++;
    return obj.perm.id;
  }

  /**
   * Make an object unreachable by key (a removed segment still attached).
   *
   * @param obj The object.
   */
  forgetKey(obj: T): void {
    if (this.#byKey.get(obj.perm.key) === obj) this.#byKey.delete(obj.perm.key);
    obj.perm.key = IPC_PRIVATE;
  }

  /**
   * Remove an object from the table.
   *
   * @param obj The object.
   */
  remove(obj: T): void {
    const idx = obj.perm.id % IPCMNI;
    if (this.#byIndex[idx] !== obj) return;
    this.#byIndex[idx] = undefined;
    this.forgetKey(obj);
    this.#count--;
  }

  /** Live objects, by index. */
  *[Symbol.iterator](): IterableIterator<T> {
    for (const o of this.#byIndex) if (o) yield o;
  }
}

/**
 * The common part of `msgget`/`semget`/`shmget` (Linux `ipcget`).
 *
 * @param ids The table.
 * @param key Key or `IPC_PRIVATE`.
 * @param flags `IPC_CREAT | IPC_EXCL | mode`.
 * @param cred Caller's credentials.
 * @param create Makes and inserts a new object; returns its id or an errno.
 * @param check Extra checks on an existing object (e.g. size), returns 0 or an errno.
 * @returns The id or an errno.
 */
export function ipcGet<T extends IpcObject>(
  ids: IpcIds<T>,
  key: number,
  flags: number,
  cred: Credentials,
  create: () => number | Errno,
  check: (obj: T) => 0 | Errno = () => 0,
): number | Errno {
  if (key === IPC_PRIVATE) return create();
  const existing = ids.find(key);
  if (!existing) return flags & IPC_CREAT ? create() : Errno.ENOENT;
  if ((flags & IPC_CREAT) && (flags & IPC_EXCL)) return Errno.EEXIST;
  const requested = ((flags >> 6) | (flags >> 3) | flags) & 7;
  if (!existing.perm.allows(cred, requested)) return Errno.EACCES;
  const c = check(existing);
  if (c) return c;
  return existing.perm.id;
}
