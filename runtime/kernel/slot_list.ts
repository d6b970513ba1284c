/**
 * A list whose entries carry their own position (`slot`), so adding and removing allocate
 * nothing and removal is O(1) (the last entry moves into the hole): the kernel's run queues
 * and sleep lists change at every context switch, and a `Set` reallocates its table every
 * few add/delete pairs. An entry is in at most one list at a time.
 *
 * @module
 */

/** An entry of a {@link SlotList}. */
export interface Slotted {
  /** Position in the list that holds it, -1 when in none. */
  slot: number;
}

/** Entries in no particular order, with O(1) membership, add and delete. */
export class SlotList<E extends Slotted> {
  /** The entries (`items[e.slot] === e`). */
  protected readonly items: E[] = [];

  /** Number of entries. */
  get size(): number {
    return this.items.length;
  }

  /**
   * Whether `e` is in this list.
   *
   * @param e The entry.
   * @returns true when it is here.
   */
  has(e: E): boolean {
    return e.slot >= 0 && this.items[e.slot] === e;
  }

  /**
   * Add `e` (no-op when it is here already).
   *
   * @param e The entry.
   * @returns Whether it was added.
   */
  add(e: E): boolean {
    if (this.has(e)) return false;
    e.slot = this.items.length;
    this.items.push(e);
    return true;
  }

  /**
   * Take `e` out.
   *
   * @param e The entry.
   * @returns Whether it was here.
   */
  delete(e: E): boolean {
    if (!this.has(e)) return false;
    const i = e.slot;
    const last = this.items.pop() as E;
    if (last !== e) {
      this.items[i] = last;
      last.slot = i;
    }
    e.slot = -1;
    return true;
  }

  /** The entries, in no particular order. */
  [Symbol.iterator](): IterableIterator<E> {
    return this.items[Symbol.iterator]();
  }
}
