/**
 * A lock around `index.json` updates that holds across processes and within one.
 *
 * Across processes it is an advisory `flock` on a lock file (`Deno.FsFile.lock`): the
 * kernel drops it when the holder dies, so a crashed `berth` never leaves a stale lock.
 * Within one process a promise chain orders callers first, so concurrent async updates
 * never wait on each other's file lock from the same thread pool.
 *
 * @module
 */

/** Serialises critical sections on one lock file. */
export class IndexLock {
  readonly #path: string;
  #tail: Promise<unknown> = Promise.resolve();

  /**
   * @param path The lock file (created if missing, never removed).
   */
  constructor(path: string) {
    this.#path = path;
  }

  /**
   * Run `fn` while holding the lock.
   *
   * @param fn The critical section.
   * @returns What `fn` returns.
   * @example
   * ```ts ignore
   * await lock.run(async () => { /* read, change, atomically write index.json *\/ });
   * ```
   */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#tail.then(() => this.#locked(fn), () => this.#locked(fn));
    this.#tail = next.catch(() => undefined);
    return next;
  }

  async #locked<T>(fn: () => Promise<T>): Promise<T> {
    const file = await Deno.open(this.#path, { create: true, write: true, mode: 0o600 });
    try {
      await file.lock(true);
      return await fn();
    } finally {
      file.close(); // closing releases the flock
    }
  }
}
