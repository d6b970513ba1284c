/**
 * The build context as a tar, as `docker build` sends it to the daemon. The daemon's
 * builder applies `.dockerignore`/`.containerignore`; the CLI sends the directory.
 *
 * A Dockerfile that is not a file of the context (`-f -` from stdin, or `-f` naming a file
 * outside the context directory) travels in the tar, as the Docker CLI sends it, under a
 * hidden directory `.berth-dockerfile-<random>/` that the build's ignore file excludes, so
 * `COPY . /` never copies it. That ignore file is written beside the Dockerfile
 * (BuildKit's `<Dockerfile>.dockerignore`, which the builder prefers): the Dockerfile's own
 * `<name>.dockerignore` when it has one, else the context's `.containerignore` or
 * `.dockerignore`, plus the hidden directory. The daemon never reads a host path.
 *
 * @module
 */
import { basename, join, relative, resolve } from "node:path";
import { changesFromDirectory, type LayerChange, layerTar } from "../image/layer/layer_writer.ts";
import { UsageError } from "./_args.ts";

/** The context tar and the Dockerfile's path in it, for the `dockerfile` query parameter. */
export interface PackedContext {
  /** The tar bytes. */
  tar: Uint8Array;
  /** The Dockerfile's path relative to the context, when one was given (`-f`). */
  dockerfile?: string;
}

/** Where the Dockerfile comes from: a host path (`-f PATH`) or its text (`-f -`). */
export type DockerfileSource = { path: string } | { text: string };

async function readTextOrUndefined(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

async function readDockerfile(path: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    throw new UsageError(
      `unable to prepare context: the Dockerfile "${path}" (-f) was not found. ` +
        "A -f path is relative to the current directory, as with docker build",
    );
  }
}

/**
 * Pack a context directory, plus a Dockerfile given from stdin or from outside it, as a tar.
 *
 * @param dir Context directory.
 * @param dockerfile `-f`: a host path (relative to the current directory, as Docker's
 *   CLI takes it) or the text read from stdin.
 * @returns The tar and the Dockerfile's path inside it.
 * @example
 * ```ts ignore
 * const { tar, dockerfile } = await tarOfContext("tests/fixtures/demo", { text: "FROM scratch\n" });
 * ```
 */
export async function tarOfContext(
  dir: string,
  dockerfile?: DockerfileSource,
): Promise<PackedContext> {
  const st = await Deno.stat(dir).catch(() => undefined);
  if (!st?.isDirectory) {
    throw new UsageError(
      `unable to prepare context: path "${dir}" ${st ? "is not a directory" : "not found"}. ` +
        `Give the build context directory, or "-" for a tar on stdin`,
    );
  }
  const changes: LayerChange[] = (await changesFromDirectory(dir)).filter((c) => c.path !== "/");
  let inTar: string | undefined;
  if (dockerfile && "path" in dockerfile) {
    const rel = relative(resolve(dir), resolve(dockerfile.path));
    if (rel !== "" && !rel.startsWith("..") && !rel.startsWith("/")) inTar = rel;
  }
  if (dockerfile && inTar === undefined) {
    const name = "path" in dockerfile ? basename(dockerfile.path) : "Dockerfile";
    const text = "path" in dockerfile ? await readDockerfile(dockerfile.path) : dockerfile.text;
    const hidden = `.berth-dockerfile-${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;
    const ignore = ("path" in dockerfile
      ? await readTextOrUndefined(`${dockerfile.path}.dockerignore`)
      : undefined) ??
      await readTextOrUndefined(join(dir, ".containerignore")) ??
      await readTextOrUndefined(join(dir, ".dockerignore")) ?? "";
    changes.push(
      { type: "dir", path: `/${hidden}`, mode: 0o755 },
      { type: "file", path: `/${hidden}/${name}`, mode: 0o644, data: text },
      {
        type: "file",
        path: `/${hidden}/${name}.dockerignore`,
        mode: 0o644,
        // Last, so that no `!` exception of the user's file can bring the directory back.
        data: `${ignore}\n/${hidden}\n`,
      },
    );
    inTar = `${hidden}/${name}`;
  }
  const tar = new Uint8Array(await new Response(layerTar(changes)).arrayBuffer());
  return { tar, dockerfile: inTar };
}
