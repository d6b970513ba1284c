/**
 * Test helpers: real layer tars (written by the image store's layer writer, indexed by
 * its tar indexer) held in memory as `OpenLayer`s, and a way to mount them.
 *
 * @module
 */
import { type LayerChange, layerTar } from "../../../../image/layer/layer_writer.ts";
import { TarIndexer } from "../../../../image/layer/tar_indexer.ts";
import { mergeLayers } from "../../../../image/layer/merged_layers.ts";
import type { LayerEntry, OpenLayer } from "../../../../image/layer/types.ts";

/**
 * A layer held in memory: its tar bytes and its index.
 *
 * @param tar Uncompressed tar bytes.
 * @param name Name for errors.
 * @returns The open layer.
 */
export function memLayerFromTar(tar: Uint8Array, name = "mem"): OpenLayer {
  const ix = new TarIndexer(name);
  ix.push(tar);
  const index = ix.finish();
  return {
    diffId: name,
    entries: new Map(index.entries.map((e) => [e.path, e])),
    whiteouts: new Set(index.whiteouts),
    opaqueDirs: new Set(index.opaqueDirs),
    readSync(entry: LayerEntry, buf: Uint8Array, position: number): number {
      if (entry.type !== "file") return 0;
      const n = Math.max(0, Math.min(buf.length, entry.size - position));
      buf.set(tar.subarray(entry.dataOffset + position, entry.dataOffset + position + n));
      return n;
    },
  };
}

/**
 * Write `changes` as a tar with the real layer writer.
 *
 * @param changes Change set.
 * @returns Tar bytes.
 */
export async function tarOf(changes: LayerChange[]): Promise<Uint8Array> {
  return new Uint8Array(
    await new Response(layerTar(changes, { sourceDateEpoch: 0 })).arrayBuffer(),
  );
}

/**
 * Layers from change sets, merged.
 *
 * @param sets One change set per layer, lowest first.
 * @returns The merged view and the layers' tars.
 */
export async function mergedOf(sets: LayerChange[][]) {
  const tars: Uint8Array[] = [];
  for (const s of sets) tars.push(await tarOf(s));
  return { merged: mergeLayers(tars.map((t, i) => memLayerFromTar(t, `layer${i}`))), tars };
}
