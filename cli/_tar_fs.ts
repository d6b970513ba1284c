/**
 * Host-side tar helpers of `berth cp`: pack a host path (file or directory tree) under
 * its base name, and unpack an archive from the daemon into a host directory.
 *
 * @module
 */
import { basename, dirname, join, normalize } from "node:path";
import { changesFromDirectory, type LayerChange, layerTar } from "../image/layer/layer_writer.ts";

/**
 * Pack a host path as a tar whose top entry is its base name (`docker cp SRC c:DST`).
 *
 * @param path Host file or directory.
 * @param name Name of the top entry (default the base name).
 * @returns The tar bytes.
 * @example
 * ```ts ignore
 * const tar = await tarOfPath("./site");
 * ```
 */
export async function tarOfPath(path: string, name: string = basename(path)): Promise<Uint8Array> {
  const st = await Deno.stat(path);
  let changes: LayerChange[];
  if (st.isDirectory) {
    changes = [{ type: "dir", path: `/${name}`, mode: st.mode! & 0o7777 }];
    for (const c of await changesFromDirectory(path)) {
      if (c.path === "/") continue;
      changes.push({ ...c, path: `/${name}${c.path}` } as LayerChange);
    }
  } else {
    changes = [{
      type: "file",
      path: `/${name}`,
      mode: st.mode! & 0o7777,
      data: await Deno.readFile(path),
    }];
  }
  return new Uint8Array(await new Response(layerTar(changes)).arrayBuffer());
}

function field(h: Uint8Array, off: number, len: number): string {
  const s = new TextDecoder().decode(h.subarray(off, off + len));
  const nul = s.indexOf("\0");
  return nul < 0 ? s : s.slice(0, nul);
}

/**
 * The mode a file copied out of a container gets on the host: its permission bits, never
 * set-user-ID or set-group-ID, and the sticky bit only on a directory. Issue 11: those bits
 * are data inside an image or a tar, never applied on the host (`docker cp` keeps them;
 * Berth does not, so a copied-out program cannot become a setuid binary of the host user).
 *
 * @param mode The mode from the tar header.
 * @param isDir Whether the entry is a directory.
 * @returns The mode to create the host file or directory with.
 * @example
 * ```ts
 * import { hostMode } from "./_tar_fs.ts";
 * console.assert(hostMode(0o4755, false) === 0o755);
 * console.assert(hostMode(0o3777, true) === 0o1777);
 * ```
 */
export function hostMode(mode: number, isDir: boolean): number {
  return mode & (isDir ? 0o1777 : 0o777);
}

/**
 * Unpack a tar into a host directory. Entries that would land outside it are refused.
 * When `rename` is given, the archive's top-level name is replaced by it. Modes lose
 * their set-user-ID and set-group-ID bits (see {@link hostMode}).
 *
 * @param tar The archive.
 * @param dir Host directory to extract into.
 * @param rename New name for the top entry.
 * @example
 * ```ts ignore
 * await extractTarTo(tar, "./out");
 * ```
 */
export async function extractTarTo(tar: Uint8Array, dir: string, rename?: string): Promise<void> {
  let target = dir;
  let newTop = rename;
  try {
    if (!(await Deno.stat(dir)).isDirectory) throw new Error("not a dir");
  } catch {
    target = dirname(dir);
    newTop = basename(dir);
  }
  let off = 0;
  let longName: string | undefined;
  let top: string | undefined;
  while (off + 512 <= tar.length) {
    const h = tar.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const size = parseInt(field(h, 124, 12).trim() || "0", 8);
    const type = String.fromCharCode(h[156] ?? 48);
    const prefix = field(h, 345, 155);
    let name = longName ?? (prefix ? `${prefix}/${field(h, 0, 100)}` : field(h, 0, 100));
    longName = undefined;
    const data = tar.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
    if (type === "x") {
      const m = /\d+ path=([^\n]*)\n/.exec(new TextDecoder().decode(data));
      if (m) longName = m[1];
      continue;
    }
    if (type === "L") {
      longName = field(data, 0, data.length);
      continue;
    }
    name = normalize(name.replace(/^\/+/, "")).replace(/\/$/, "");
    if (name === "." || name.startsWith("..")) {
      throw new Error(`refusing tar entry outside the destination: ${name}`);
    }
    const first = name.split("/")[0]!;
    top ??= first;
    if (newTop && first === top) name = newTop + name.slice(first.length);
    const dest = join(target, name);
    const mode = hostMode(parseInt(field(h, 100, 8).trim() || "644", 8), type === "5");
    if (type === "5") await Deno.mkdir(dest, { recursive: true, mode });
    else if (type === "2") {
      await Deno.remove(dest).catch(() => {});
      await Deno.symlink(field(h, 157, 100), dest);
    } else if (type === "0" || type === "\0" || type === "7") {
      await Deno.mkdir(dirname(dest), { recursive: true });
      await Deno.writeFile(dest, data, { mode });
    }
  }
}
