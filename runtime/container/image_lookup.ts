/**
 * Image lookups for `create`, remembered while the store's `index.json` stays the same
 * file. `Store.resolve()` reads `index.json` and the manifest and config of every image
 * (three asynchronous reads per image, each an event-loop turn): in the daemon that was
 * 0.5–1 ms of each `berth run`. What a reference resolves to changes only through
 * `index.json` (tags, loads, builds, removals rewrite it: a new file renamed into place);
 * manifests and configs are content-addressed and never change. So a lookup is reused
 * while a `stat` of `index.json` (inode, size, modification and change times) matches the
 * one taken before it was made.
 *
 * @module
 */
import type { Store, StoredImage } from "../../image/mod.ts";

/** What identifies one version of `index.json` (inode, size, mtime, ctime); "" if absent. */
function indexStamp(path: string): string {
  try {
    // lstat: index.json is a regular file (renamed into place), and Deno's lstatSync took
    // 1.9 µs where its statSync took 8.3 µs here.
    const s = Deno.lstatSync(path);
    return `${s.ino}:${s.size}:${s.mtime?.getTime()}:${s.ctime?.getTime()}`;
  } catch {
    return "";
  }
}

/**
 * `resolve()` of a store, remembered while its `index.json` is unchanged.
 *
 * @example
 * ```ts ignore
 * const images = new ImageLookup(store);
 * const image = await images.resolve("berth/base"); // reads the store
 * await images.resolve("berth/base"); // one stat
 * ```
 */
export class ImageLookup {
  readonly #store: Pick<Store, "resolve" | "layoutDir">;
  readonly #index: string;
  #stamp = "";
  readonly #hits = new Map<string, StoredImage>();

  /**
   * Create it.
   *
   * @param store The image store.
   */
  constructor(store: Pick<Store, "resolve" | "layoutDir">) {
    this.#store = store;
    this.#index = `${store.layoutDir}/index.json`;
  }

  /**
   * Resolve a reference or image ID as `Store.resolve()` does.
   *
   * @param text What the user typed.
   * @returns The image.
   * @throws ImageNotFoundError when nothing matches (not remembered).
   */
  async resolve(text: string): Promise<StoredImage> {
    // Taken before the store is read: a change during the read makes the next stamp differ.
    const stamp = indexStamp(this.#index);
    if (stamp !== this.#stamp) {
      this.#hits.clear();
      this.#stamp = stamp;
    }
    const hit = this.#hits.get(text);
    if (hit) return hit;
    const image = await this.#store.resolve(text);
    if (stamp !== "" && this.#stamp === stamp) {
      if (this.#hits.size >= 256) this.#hits.delete(this.#hits.keys().next().value!);
      this.#hits.set(text, image);
    }
    return image;
  }
}
