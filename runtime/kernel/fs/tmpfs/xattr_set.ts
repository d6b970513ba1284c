/**
 * Extended attributes of one in-memory inode (tmpfs, and so the overlay's upper tree):
 * name → value bytes, with their memory charged as kernel memory to the file system's
 * cgroup (as Linux charges `simple_xattr`s). Namespace and permission rules are the
 * system calls' (`sys_file_xattr.ts`); this only stores.
 *
 * @module
 */
import { Errno } from "../../errno.ts";

/** `XATTR_CREATE`: fail with `EEXIST` if the attribute exists. */
export const XATTR_CREATE = 1;
/** `XATTR_REPLACE`: fail with `ENODATA` if the attribute does not exist. */
export const XATTR_REPLACE = 2;

/** Bytes an attribute costs: its name, its value and a small header (Linux's struct). */
function costOf(name: string, value: Uint8Array): number {
  return 32 + name.length + value.length;
}

/** Where an {@link XattrSet} charges its memory. */
export interface XattrCharger {
  /** Charge `bytes` (false: refused). */
  chargeNode(bytes: number): boolean;
  /** Give `bytes` back. */
  unchargeNode(bytes: number): void;
}

/**
 * The attributes of one inode.
 *
 * @example
 * ```ts
 * import { XattrSet } from "./xattr_set.ts";
 * const xs = new XattrSet({ chargeNode: () => true, unchargeNode: () => {} });
 * xs.set("user.k", new Uint8Array([1]), 0);
 * console.assert(xs.get("user.k")?.[0] === 1);
 * ```
 */
export class XattrSet {
  readonly #values = new Map<string, Uint8Array>();
  readonly #charger: XattrCharger;
  /** Bytes charged for the attributes now. */
  charged = 0;

  /**
   * An empty set.
   *
   * @param charger Where memory is charged.
   */
  constructor(charger: XattrCharger) {
    this.#charger = charger;
  }

  /**
   * The value of `name`.
   *
   * @param name Full name (`user.mime_type`).
   * @returns The bytes (do not modify), or undefined.
   */
  get(name: string): Uint8Array | undefined {
    return this.#values.get(name);
  }

  /**
   * The names, in the order they were first set.
   *
   * @returns Names.
   */
  names(): string[] {
    return [...this.#values.keys()];
  }

  /** Number of attributes. */
  get size(): number {
    return this.#values.size;
  }

  /**
   * Set `name` to a copy of `value`.
   *
   * @param name Full name.
   * @param value Bytes.
   * @param flags `XATTR_CREATE`, `XATTR_REPLACE` or 0.
   * @returns 0, `EEXIST`, `ENODATA`, or `ENOMEM` when the cgroup refuses the memory.
   */
  set(name: string, value: Uint8Array, flags: number): 0 | Errno {
    const old = this.#values.get(name);
    if ((flags & XATTR_CREATE) && old) return Errno.EEXIST;
    if ((flags & XATTR_REPLACE) && !old) return Errno.ENODATA;
    const delta = costOf(name, value) - (old ? costOf(name, old) : 0);
    if (delta > 0 && !this.#charger.chargeNode(delta)) return Errno.ENOMEM;
    if (delta < 0) this.#charger.unchargeNode(-delta);
    this.charged += delta;
    this.#values.set(name, value.slice());
    return 0;
  }

  /**
   * Remove `name`.
   *
   * @param name Full name.
   * @returns 0 or `ENODATA`.
   */
  remove(name: string): 0 | Errno {
    const old = this.#values.get(name);
    if (!old) return Errno.ENODATA;
    const cost = costOf(name, old);
    this.#values.delete(name);
    this.#charger.unchargeNode(cost);
    this.charged -= cost;
    return 0;
  }

  /** Remove everything and give the memory back (the inode is gone). */
  clear(): void {
    this.#values.clear();
    if (this.charged > 0) this.#charger.unchargeNode(this.charged);
    this.charged = 0;
  }
}

/**
 * An inode that keeps extended attributes (tmpfs and overlay nodes); the xattr system
 * calls look for these methods and answer `EOPNOTSUPP` without them.
 */
export interface XattrInode {
  /** The value of `name`, or undefined. */
  getxattr(name: string): Uint8Array | undefined;
  /** Every attribute name. */
  listxattr(): string[];
  /** Set an attribute (`XATTR_CREATE`/`XATTR_REPLACE` in `flags`). */
  setxattr(name: string, value: Uint8Array, flags: number): 0 | Errno;
  /** Remove an attribute (`ENODATA` if absent). */
  removexattr(name: string): 0 | Errno;
}
