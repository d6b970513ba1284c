/**
 * A run queue: the runnable entities of one cgroup level, and the pick of the one with
 * the lowest virtual runtime (ties go to the one queued first, as a FIFO).
 *
 * A {@link SlotList}: queueing and dequeueing allocate nothing.
 *
 * @module
 */
import { SlotList, type Slotted } from "./slot_list.ts";

/** What a run queue holds: an entity with a virtual runtime and a slot of its own. */
export interface Queueable extends Slotted {
  /** Weighted virtual runtime. */
  vruntime: number;
  /** Order of queueing (ties of `vruntime` go to the lowest). */
  rqSeq: number;
}

/** The runnable entities of one level. */
export class RunQueue<E extends Queueable> extends SlotList<E> {
  #seq = 0;

  /**
   * Queue `e` (no-op when already queued here).
   *
   * @param e The entity.
   * @returns Whether it was queued now.
   */
  override add(e: E): boolean {
    if (!super.add(e)) return false;
    e.rqSeq = this.#seq++;
    return true;
  }

  /**
   * The entity to run next: lowest `vruntime`, then queued first.
   *
   * @returns It, or null when the queue is empty.
   */
  min(): E | null {
    const items = this.items;
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
}
