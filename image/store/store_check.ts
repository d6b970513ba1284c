/**
 * `berth system check` for the image store: verifies that what the store shows is whole.
 *
 * Checks, in order: `oci-layout` and `index.json` parse; every blob under
 * `blobs/sha256/` has the digest it is named by (a half-written blob would not); every
 * manifest that `index.json` names exists and parses, and so do its config and layer
 * blobs; every layer a config lists has its uncompressed tar (whose sha256 is the
 * `diff_id`) and its index. With `repair`, leftovers of interrupted work (files in
 * `tmp/`, blobs or layer files whose content does not match their name) are removed;
 * a missing or damaged layer index is rebuilt from its tar; missing referenced content
 * cannot be repaired and is reported.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { layerFiles } from "../layer/layer_ingest.ts";
import { loadLayerIndexSync, readLayerIndex } from "../layer/layer_index_file.ts";
import { parseDigest } from "./digest.ts";
import type { Store } from "./store.ts";

/** One problem found by {@link checkStore}. */
export interface StoreProblem {
  /** What is wrong, as a sentence naming the file. */
  message: string;
  /** Whether `repair` fixed it. */
  repaired: boolean;
}

/** Result of {@link checkStore}. */
export interface StoreCheckReport {
  /** Blobs verified. */
  blobs: number;
  /** Images (index entries) verified. */
  images: number;
  /** Layers verified. */
  layers: number;
  /** Problems found (empty when the store is whole). */
  problems: StoreProblem[];
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  const file = await Deno.open(path, { read: true });
  try {
    const buf = new Uint8Array(1 << 20);
    for (;;) {
      const n = await file.read(buf);
      if (n === null) break;
      hash.update(buf.subarray(0, n));
    }
  } finally {
    file.close();
  }
  return hash.digest("hex");
}

async function names(dir: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) out.push(e.name);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return out.sort();
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === "object" && !Array.isArray(value)
    ? value as Record<string, unknown>
    : undefined;
}

/**
 * Verify the store; optionally remove what interrupted work left behind.
 *
 * @param store The store.
 * @param options `repair`: delete temp files and blobs/layer files that fail their digest.
 * @returns Counts and the problems found.
 * @example
 * ```ts ignore
 * const report = await checkStore(store, { repair: true });
 * for (const p of report.problems) console.log(p.message);
 * ```
 */
export async function checkStore(
  store: Store,
  options: { repair?: boolean } = {},
): Promise<StoreCheckReport> {
  const problems: StoreProblem[] = [];
  const report: StoreCheckReport = { blobs: 0, images: 0, layers: 0, problems };
  const repair = async (message: string, path: string) => {
    let repaired = false;
    if (options.repair) {
      await Deno.remove(path, { recursive: true }).then(() => repaired = true, () => {});
    }
    problems.push({ message, repaired });
  };

  for (const name of await names(store.tmpDir)) {
    await repair(
      `leftover of interrupted work: ${join(store.tmpDir, name)}`,
      join(store.tmpDir, name),
    );
  }

  const goodBlobs = new Set<string>();
  for (const hex of await names(store.blobsDir)) {
    const path = join(store.blobsDir, hex);
    report.blobs++;
    if (!/^[0-9a-f]{64}$/.test(hex)) {
      await repair(`blob with an invalid name: ${path}`, path);
      continue;
    }
    const actual = await sha256File(path);
    if (actual !== hex) await repair(`blob ${path} holds sha256:${actual}`, path);
    else goodBlobs.add(hex);
  }

  const readJson = async (
    hex: string,
    what: string,
  ): Promise<Record<string, unknown> | undefined> => {
    if (!goodBlobs.has(hex)) {
      problems.push({
        message: `${what} sha256:${hex} is missing from the store`,
        repaired: false,
      });
      return undefined;
    }
    try {
      const value = record(JSON.parse(await Deno.readTextFile(join(store.blobsDir, hex))));
      if (!value) throw new Error("not a JSON object");
      return value;
    } catch (err) {
      problems.push({ message: `${what} sha256:${hex} does not parse: ${err}`, repaired: false });
      return undefined;
    }
  };
  const hexOf = (digest: unknown, what: string): string | undefined => {
    try {
      return parseDigest(String(digest)).slice("sha256:".length);
    } catch {
      problems.push({
        message: `${what} names an invalid digest ${String(digest)}`,
        repaired: false,
      });
      return undefined;
    }
  };

  let index: Record<string, unknown> | undefined;
  try {
    index = record(JSON.parse(await Deno.readTextFile(join(store.layoutDir, "index.json"))));
    JSON.parse(await Deno.readTextFile(join(store.layoutDir, "oci-layout")));
  } catch (err) {
    problems.push({ message: `the image index does not parse: ${err}`, repaired: false });
  }
  const checkedLayers = new Set<string>();
  const manifests = Array.isArray(index?.manifests) ? index.manifests : [];
  for (const desc of manifests) {
    report.images++;
    const hex = hexOf(record(desc)?.digest, "index.json");
    if (!hex) continue;
    const manifest = await readJson(hex, "manifest");
    if (!manifest) continue;
    const nested = Array.isArray(manifest.manifests) ? manifest.manifests : undefined;
    if (nested) {
      for (const child of nested) {
        const childHex = hexOf(record(child)?.digest, `index sha256:${hex}`);
        if (childHex && !goodBlobs.has(childHex)) {
          problems.push({
            message: `manifest sha256:${childHex} of index sha256:${hex} is missing`,
            repaired: false,
          });
        }
      }
      continue;
    }
    const configHex = hexOf(record(manifest.config)?.digest, `manifest sha256:${hex}`);
    const config = configHex ? await readJson(configHex, "config") : undefined;
    for (const layer of Array.isArray(manifest.layers) ? manifest.layers : []) {
      const layerHex = hexOf(record(layer)?.digest, `manifest sha256:${hex}`);
      if (layerHex && !goodBlobs.has(layerHex)) {
        problems.push({
          message: `layer blob sha256:${layerHex} of manifest sha256:${hex} is missing`,
          repaired: false,
        });
      }
    }
    const diffIds = record(config?.rootfs)?.diff_ids;
    for (const diffId of Array.isArray(diffIds) ? diffIds : []) {
      const diffHex = hexOf(diffId, `config sha256:${configHex}`);
      if (!diffHex || checkedLayers.has(diffHex)) continue;
      checkedLayers.add(diffHex);
      report.layers++;
      const files = layerFiles(store.layersDir, parseDigest(`sha256:${diffHex}`));
      try {
        const actual = await sha256File(files.tar);
        if (actual !== diffHex) {
          await repair(`layer tar ${files.tar} holds sha256:${actual}`, files.tar);
          continue;
        }
      } catch (err) {
        if (!(err instanceof Deno.errors.NotFound)) throw err;
        problems.push({
          message: `layer sha256:${diffHex} has no uncompressed tar`,
          repaired: false,
        });
        continue;
      }
      // The index is derivable and not fsynced: a damaged one is rebuilt (and rewritten)
      // from the tar, as opening the layer would.
      let indexOk = false;
      try {
        const ix = await readLayerIndex(files.index);
        indexOk = ix.tarSize === (await Deno.stat(files.tar)).size;
      } catch { /* damaged */ }
      if (!indexOk) {
        if (options.repair) loadLayerIndexSync(files);
        problems.push({
          message: `layer sha256:${diffHex} has a missing or damaged index${
            options.repair ? " (rebuilt from the tar)" : ""
          }`,
          repaired: options.repair === true,
        });
      }
    }
  }
  return report;
}
