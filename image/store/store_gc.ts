/**
 * Garbage collection of the store: marks everything reachable from index.json, from
 * container pins (`pins/*.json`) and from extra roots, then removes unreachable blobs,
 * layer tars and indexes, and temp files of dead processes, counting the bytes freed
 * (a layer tar hard-linked to its blob counts once). The caller (`Store.gc`) holds the
 * locks: no ingest is in flight and index.json does not change meanwhile.
 *
 * Unreachable files written within the grace period are kept (a build may have written
 * a layer and not yet pinned or referenced it), except what is reached from roots the
 * caller just released (a removed image, a dropped pin), so `rmi` frees space at once.
 *
 * @module
 */
import { join } from "node:path";
import { type Digest, isDigest } from "./digest.ts";
import type { ImageConfig, Manifest } from "./media_types.ts";
import { readJsonFile, removeQuietly } from "./_fs.ts";
import type { GcReport, Store } from "./store.ts";

/** What `collectGarbage` is told. */
export interface CollectOptions {
  /** Extra roots. */
  keep: Iterable<Digest>;
  /** Roots just dropped: what they reach may be collected even when fresh. */
  release: Iterable<Digest>;
  /** Unreachable files younger than this are kept unless reached from `release`. */
  graceMs: number;
}

/** Blobs and diff_ids reached from some roots (manifests, configs, pin documents, layers). */
async function reach(store: Store, roots: Iterable<string>) {
  const blobs = new Set<string>();
  const diffIds = new Set<string>();
  for (const root of roots) {
    if (!isDigest(root)) continue;
    diffIds.add(root); // a pinned diff_id keeps its layer tar and index
    if (!(await store.hasBlob(root))) continue;
    blobs.add(root);
    let doc: Partial<Manifest> & Partial<ImageConfig>;
    try {
      doc = await store.readJsonBlob<Partial<Manifest> & Partial<ImageConfig>>(root);
    } catch {
      continue; // a pinned layer blob, or not JSON: keep just the blob
    }
    if (typeof doc !== "object" || doc === null) continue;
    if (doc.config?.digest && isDigest(doc.config.digest)) {
      blobs.add(doc.config.digest);
      if (await store.hasBlob(doc.config.digest)) {
        const cfg = await store.readJsonBlob<ImageConfig>(doc.config.digest).catch(() => null);
        const ids = cfg?.rootfs?.diff_ids;
        if (Array.isArray(ids)) { for (const d of ids) diffIds.add(d); }
      }
    }
    if (Array.isArray(doc.layers)) { for (const l of doc.layers) blobs.add(l?.digest); }
    const ids = doc.rootfs?.diff_ids;
    if (Array.isArray(ids)) { for (const d of ids) diffIds.add(d); }
  }
  return { blobs, diffIds };
}

/**
 * Collect garbage (caller holds the gc and index locks).
 *
 * @param store The store.
 * @param options Extra roots, released roots and the grace period.
 * @returns What was removed.
 * @example
 * ```ts ignore
 * const report = await collectGarbage(store, { keep: [], release: [], graceMs: 0 });
 * ```
 */
export async function collectGarbage(store: Store, options: CollectOptions): Promise<GcReport> {
  const roots = new Set<string>((await store.readIndex()).manifests.map((d) => d.digest));
  for await (const e of Deno.readDir(join(store.layoutDir, "pins"))) {
    if (!e.name.endsWith(".json")) continue;
    const list = await readJsonFile(join(store.layoutDir, "pins", e.name));
    if (Array.isArray(list)) { for (const d of list) if (typeof d === "string") roots.add(d); }
  }
  for (const d of options.keep) roots.add(d);
  const { blobs, diffIds } = await reach(store, roots);
  const released = await reach(store, options.release);
  const cutoff = Date.now() - options.graceMs;
  const fresh = async (path: string): Promise<boolean> => {
    if (options.graceMs <= 0) return false;
    try {
      return ((await Deno.lstat(path)).mtime?.getTime() ?? 0) > cutoff;
    } catch {
      return false;
    }
  };
  const victims: string[] = [];
  const report: GcReport = { blobsRemoved: [], layersRemoved: [], bytesReclaimed: 0 };
  for await (const e of Deno.readDir(store.blobsDir)) {
    const d = `sha256:${e.name}`;
    if (!isDigest(d) || blobs.has(d) || diffIds.has(d)) continue;
    const path = join(store.blobsDir, e.name);
    const dropped = released.blobs.has(d) || released.diffIds.has(d);
    if (!dropped && await fresh(path)) continue; // may be in flight: written, not yet referenced
    victims.push(path);
    report.blobsRemoved.push(d);
  }
  for await (const e of Deno.readDir(store.layersDir)) {
    const d = `sha256:${e.name.split(".")[0] ?? ""}`;
    if (isDigest(d) && diffIds.has(d)) continue;
    const path = join(store.layersDir, e.name);
    if (!(isDigest(d) && released.diffIds.has(d)) && await fresh(path)) continue;
    victims.push(path);
    if (e.name.endsWith(".tar") && isDigest(d)) report.layersRemoved.push(d);
  }
  for await (const e of Deno.readDir(store.tmpDir)) {
    const pid = Number(/^\.[a-z-]+-(\d+)-/.exec(e.name)?.[1]);
    if (pid !== Deno.pid && !processAlive(pid)) victims.push(join(store.tmpDir, e.name));
  }
  report.bytesReclaimed = await removeCountingBytes(victims);
  return report;
}

/**
 * Whether a process exists (temp files of dead ones are garbage).
 *
 * @param pid Process ID.
 * @returns True when `/proc/<pid>` exists.
 * @example
 * ```ts
 * import { processAlive } from "./store_gc.ts";
 * console.assert(processAlive(Deno.pid));
 * ```
 */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

async function removeCountingBytes(paths: string[]): Promise<number> {
  const byInode = new Map<number, { nlink: number; removed: number }>();
  let bytes = 0;
  for (const p of paths) {
    let st: Deno.FileInfo;
    try {
      st = await Deno.lstat(p);
    } catch {
      continue;
    }
    await removeQuietly(p, true);
    const ino = st.ino ?? -1;
    const rec = byInode.get(ino) ?? { nlink: st.nlink ?? 1, removed: 0 };
    rec.removed++;
    byInode.set(ino, rec);
    if (ino < 0 || rec.removed === rec.nlink) bytes += st.size;
  }
  return bytes;
}
