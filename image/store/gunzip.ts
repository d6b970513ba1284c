/**
 * Streaming gzip inflation with bounded chunks. `DecompressionStream` is not used here:
 * in Deno it inflates a whole input chunk into one output chunk (3 MB of a gzip bomb
 * became one 3 GB buffer in our measurement), so no limit can stop it in time.
 * `node:zlib`'s gunzip yields 1 MiB chunks with back-pressure, so a limit is checked
 * every MiB and memory stays flat.
 *
 * @module
 */
import { createGunzip } from "node:zlib";
import { Readable } from "node:stream";

/**
 * Inflate a gzip byte stream (multi-member allowed) as 1 MiB chunks.
 *
 * @param source Compressed chunks.
 * @returns Inflated chunks. Stop iterating to abort; corrupt data throws.
 * @example
 * ```ts ignore
 * for await (const chunk of gunzipChunks(fileChunks("x.gz"))) use(chunk);
 * ```
 */
export async function* gunzipChunks(source: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  const gunzip = createGunzip({ chunkSize: 1 << 20 });
  const input = Readable.from(source, { objectMode: false });
  input.on("error", (e) => gunzip.destroy(e));
  input.pipe(gunzip);
  try {
    for await (const chunk of gunzip) yield chunk as Uint8Array;
  } finally {
    input.unpipe(gunzip);
    input.destroy();
    gunzip.destroy();
  }
}
