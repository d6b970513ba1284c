/**
 * A run queue: the runnable entities of one cgroup level, and the pick of the one with
 * the lowest virtual runtime (ties go to the one queued first, as a FIFO).
 *
 * Entities carry their own slot (`rqIndex`), so queueing and dequeueing allocate nothing:
 * a process is queued and dequeued at every context switch, and a `Set` reallocates its
 * table every few add/delete pairs.
 *
 * @module
 */

/** What a run queue holds: an entity with a virtual runtime and a slot of its own. */
export interface Queueable {
  /** Weighted virtual runtime. */
  vruntime: number;
  /** Position in the run queue that holds it, -1 when not queued. */
  rqIndex: number;
  /** Order of queueing (ties of `vruntime` go to the lowest). */
  rqSeq: number;
}

/** The runnable entities of one level. */
export class RunQueue<E extends Queueable> {
  readonly #items: E[] = [];
  #seq = 0;

  /** Number of queued entities. */
  get size(): number {
    return this.#items.length;
  }

  /**
   * Whether `e` is in this queue.
   *
   * @param e The entity.
   * @returns true when queued here.
   */
  has(e: E): boolean {
    return e.rqIndex >= 0 && this.#items[e.rqIndex] === e;
  }

  /**
   * Queue `e` (no-op when already queued here).
   *
   * @param e The entity.
   */
  add(e: E): void {
    if (this.has(e)) return;
    e.rqIndex = this.#items.length;
    e.rqSeq = this.#seq++;
    this.#items.push(e);
  }

  /**
   * Take `e` out.
   *
   * @param e The entity.
   * @returns Whether it was queued here.
   */
  delete(e: E): boolean {
    if (!this.has(e)) return false;
    const i = e.rqIndex;
    const last = this.#items.pop() as E;
    if (last !== e) {
      this.#items[i] = last;
      last.rqIndex = i;
    }
    e.rqIndex = -1;
    return true;
  }

  /**
   * The entity to run next: lowest `vruntime`, then queued first.
   *
   * @returns It, or null when the queue is empty.
   */
  min(): E | null {
    const items = this.#items;
    let best: E | null = null;
    for (let i = 0; i < items.length; i++) {
      const e = items[i] as E;
      if (
        !best || e.vruntime < best.vruntime ||
        (e.vruntime === best.vruntime && e.rqSeq < best.rqSeq)
      ) {
        best = e;
      }
    }
    return best;
  }

  /** The queued entities, in no particular order. */
  [Symbol.iterator](): IterableIterator<E> {
    return this.#items[Symbol.iterator]();
  }
}
