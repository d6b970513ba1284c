/**
 * The build context as a tar, as `docker build` sends it to the daemon. The daemon's
 * builder applies `.dockerignore`/`.containerignore`; the CLI sends the directory.
 *
 * @module
 */
import { basename, relative, resolve } from "node:path";
import { changesFromDirectory, type LayerChange, layerTar } from "../image/layer/layer_writer.ts";

/**
 * Pack a context directory (plus a Dockerfile given outside it) as a tar.
 *
 * @param dir Context directory.
 * @param dockerfile `-f` path, if any.
 * @returns The tar bytes.
 * @example
 * ```ts ignore
 * const tar = await tarOfContext("tests/fixtures/demo");
 * ```
 */
export async function tarOfContext(dir: string, dockerfile?: string): Promise<Uint8Array> {
  const changes: LayerChange[] = (await changesFromDirectory(dir)).filter((c) => c.path !== "/");
  if (dockerfile) {
    const rel = relative(resolve(dir), resolve(dockerfile));
    if (rel.startsWith("..")) {
      changes.push({
        type: "file",
        path: `/.berth-dockerfile-${basename(dockerfile)}`,
        data: await Deno.readFile(dockerfile),
      });
    }
  }
  return new Uint8Array(await new Response(layerTar(changes)).arrayBuffer());
}
