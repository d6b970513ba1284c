/**
 * The build cache: one small JSON record per layer-making step, named by the step's
 * chain key (sha256 of the parent's key and the step's full input). Records live under
 * `<state root>/builder/cache/` and so survive daemon restarts; the layers they name
 * are pinned in the image store (one pin owner `builder-cache-<key>` per record) so
 * image GC keeps them until
 * {@link BuildCache.prune} (`berth builder prune`) lets them go.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { isDigest, parseDigest } from "../store/digest.ts";
import type { ImageLayer, Store } from "../store/store.ts";

/** One cached step result. */
export interface CacheRecord {
  /** The layer the step made (absent: the step made no layer). */
  layer?: ImageLayer;
  /** History time of the step. */
  created: string;
  /** Blob that pins the layer in the store (a config-shaped JSON naming its diff_id). */
  pin?: string;
}

/** What a prune removed. */
export interface PruneReport {
  /** Cache records removed. */
  records: number;
  /** Their keys (Docker's `CachesDeleted`). */
  keys: string[];
  /** Bytes freed (store blobs/layers, cache mounts). */
  bytesReclaimed: number;
}

const PIN_OWNER = "builder-cache";

/**
 * Default builder state directory for a store: `<state root>/builder`.
 *
 * @param store The image store.
 * @returns The directory.
 */
export function builderDirOf(store: Store): string {
  return join(dirname(store.layoutDir), "builder");
}

/** The persistent step cache. */
export class BuildCache {
  readonly #store: Store;
  readonly #dir: string;
  /** Directory of cache mounts (`RUN --mount=type=cache`). */
  readonly mountsDir: string;

  /**
   * Open the cache of a store.
   *
   * @param store The image store the layers live in.
   * @param builderDir `<state root>/builder`.
   */
  constructor(store: Store, builderDir: string = builderDirOf(store)) {
    this.#store = store;
    this.#dir = join(builderDir, "cache");
    this.mountsDir = join(builderDir, "mounts");
  }

  #file(key: string): string {
    return join(this.#dir, `${key}.json`);
  }

  /**
   * A usable record for a key: its layer must still be in the store.
   *
   * @param key Chain key (64 hex).
   * @returns The record or undefined.
   */
  async get(key: string): Promise<CacheRecord | undefined> {
    let raw: unknown;
    try {
      raw = JSON.parse(await Deno.readTextFile(this.#file(key)));
    } catch {
      return undefined;
    }
    if (typeof raw !== "object" || raw === null) return undefined;
    const rec = raw as CacheRecord;
    if (typeof rec.created !== "string") return undefined;
    if (rec.layer) {
      if (!isDigest(rec.layer.digest) || !isDigest(rec.layer.diffId)) return undefined;
      if (!(await this.#store.hasBlob(rec.layer.digest))) return undefined;
      if (!(await this.#store.hasLayer(rec.layer.diffId))) return undefined;
    }
    return rec;
  }

  /**
   * Record a step's result (atomically) and pin its layer.
   *
   * @param key Chain key.
   * @param record The result.
   */
  async put(key: string, record: CacheRecord): Promise<void> {
    await Deno.mkdir(this.#dir, { recursive: true });
    const rec: CacheRecord = { ...record };
    if (rec.layer) {
      const pin = await this.#store.putJson({
        rootfs: { type: "layers", diff_ids: [rec.layer.diffId] },
      });
      rec.pin = pin.digest;
    }
    const tmp = `${this.#file(key)}.${Deno.pid}.tmp`;
    await Deno.writeTextFile(tmp, JSON.stringify(rec));
    await Deno.rename(tmp, this.#file(key));
    if (rec.pin) await this.#store.pin(`${PIN_OWNER}-${key}`, [parseDigest(rec.pin)]);
  }

  async #records(): Promise<{ key: string; rec: CacheRecord; path: string }[]> {
    const out: { key: string; rec: CacheRecord; path: string }[] = [];
    try {
      for await (const e of Deno.readDir(this.#dir)) {
        if (!e.name.endsWith(".json")) continue;
        const path = join(this.#dir, e.name);
        try {
          out.push({
            key: e.name.slice(0, -5),
            rec: JSON.parse(await Deno.readTextFile(path)),
            path,
          });
        } catch {
          out.push({ key: e.name.slice(0, -5), rec: { created: "" }, path });
        }
      }
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    return out;
  }

  /**
   * Number of records.
   *
   * @returns How many steps are cached.
   */
  async size(): Promise<number> {
    return (await this.#records()).length;
  }

  /**
   * Drop cache records (all, or those created before `until`), the cache mounts (with
   * `all`), then collect the store's garbage.
   *
   * @param options `until`: only records older than this date; `all`: cache mounts too.
   * @returns Records removed and bytes reclaimed.
   * @example
   * ```ts ignore
   * const report = await new BuildCache(store).prune({ all: true });
   * console.log(`Total reclaimed space: ${report.bytesReclaimed}B`);
   * ```
   */
  async prune(options: { until?: Date; all?: boolean } = {}): Promise<PruneReport> {
    let records = 0;
    let bytes = 0;
    const keys: string[] = [];
    for (const r of await this.#records()) {
      // Age is when the record was written (history times may be SOURCE_DATE_EPOCH).
      const written = options.until ? (await Deno.stat(r.path)).mtime?.getTime() ?? 0 : 0;
      if (options.until && written >= options.until.getTime()) continue;
      await Deno.remove(r.path).catch(() => {});
      if (/^[a-f0-9]{64}$/.test(r.key)) await this.#store.unpin(`${PIN_OWNER}-${r.key}`);
      records++;
      keys.push(r.key);
    }
    if (options.all || !options.until) {
      bytes += await removeTree(this.mountsDir);
    }
    const gc = await this.#store.gc();
    bytes += gc.bytesReclaimed;
    return { records, keys: keys.sort(), bytesReclaimed: bytes };
  }
}

async function removeTree(dir: string): Promise<number> {
  let bytes = 0;
  const walk = async (d: string) => {
    for await (const e of Deno.readDir(d)) {
      const p = join(d, e.name);
      if (e.isDirectory) await walk(p);
      else bytes += (await Deno.lstat(p)).size;
    }
  };
  try {
    await walk(dir);
    await Deno.remove(dir, { recursive: true });
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return bytes;
}
