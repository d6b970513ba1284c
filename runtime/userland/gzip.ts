/**
 * `gzip`, `gunzip`, `zcat` over CompressionStream/DecompressionStream (pure computation).
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import { applet } from "./_applet.ts";
import type { Ctx } from "./_applet.ts";
import type { Opts } from "./_args.ts";
import { exists, lstat } from "./_fs.ts";
import { readAll, readFile, writeAll, writeFile } from "./_io.ts";

/**
 * Compress or decompress bytes.
 *
 * @param data Input.
 * @param mode `compress` or `decompress`.
 * @returns The output, or null when the input is not gzip data.
 * @example
 * ```ts ignore
 * const z = await gzipBytes(new TextEncoder().encode("hi"), "compress");
 * ```
 */
export async function gzipBytes(
  data: Uint8Array,
  mode: "compress" | "decompress",
): Promise<Uint8Array | null> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    mode === "compress" ? new CompressionStream("gzip") : new DecompressionStream("gzip"),
  );
  try {
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch {
    return null;
  }
}

async function processOne(
  ctx: Ctx,
  opts: Opts,
  file: string,
  decompress: boolean,
  toStdout: boolean,
): Promise<void> {
  const prog = ctx.prog;
  if (file !== "-") {
    const st = lstat(ctx.sys, file);
    if (!isErrno(st) && (st.mode & 0o170000) === 0o040000) {
      await ctx.error(`${file} is a directory -- ignored`);
      ctx.status = Math.max(ctx.status, 2);
      return;
    }
  }
  let target = "";
  if (!toStdout && file !== "-") {
    if (decompress) {
      const m = /^(.*)(\.gz|\.tgz|-gz|\.z|-z|_z)$/i.exec(file);
      if (!m || !m[1]) {
        await ctx.error(`${file}: unknown suffix -- ignored`);
        ctx.status = Math.max(ctx.status, 2);
        return;
      }
      target = /\.tgz$/i.test(file) ? `${m[1]}.tar` : m[1];
    } else {
      if (/\.gz$/.test(file)) {
        await ctx.error(`${file} already has .gz suffix -- unchanged`);
        ctx.status = Math.max(ctx.status, 2);
        return;
      }
      target = `${file}.gz`;
    }
    if (!opts.has("f") && exists(ctx.sys, target)) {
      await ctx.error(`${target} already exists; not overwritten`);
      ctx.status = Math.max(ctx.status, 2);
      return;
    }
  }
  const data = file === "-" ? await readAll(ctx.sys, 0) : await readFile(ctx.sys, file);
  if (isErrno(data)) {
    await ctx.fail(file, data);
    return;
  }
  const out = await gzipBytes(data, decompress ? "decompress" : "compress");
  if (out === null) {
    await ctx.error(`${file === "-" ? "stdin" : file}: not in gzip format`);
    ctx.status = 1;
    return;
  }
  if (toStdout || file === "-") {
    await ctx.out.flush();
    await writeAll(ctx.sys, 1, out);
    return;
  }
  const w = await writeFile(ctx.sys, target, out);
  if (w) {
    await ctx.fail(target, w);
    return;
  }
  const st = lstat(ctx.sys, file);
  if (!isErrno(st)) {
    ctx.sys.fchmodat(-100, target, st.mode & 0o7777, 0);
    ctx.sys.utimensat(-100, target, st.atime, st.mtime, 0);
  }
  if (opts.has("v")) await ctx.error(`${file}:\t replaced with ${target}`);
  if (!opts.has("k")) ctx.sys.unlinkat(-100, file, 0);
  void prog;
}

function makeGzip(name: string, defaultDecompress: boolean, defaultStdout: boolean) {
  return applet({
    name,
    usage:
      `${name} [-cfkdt123456789] [FILE]...\n\n${
        defaultDecompress ? "Decompress" : "Compress"
      } FILEs (or stdin)\n\n` +
      "\t-1..9\tCompression level\n\t-d\tDecompress\n\t-c\tWrite to stdout\n\t-f\tForce\n\t-k\tKeep input files\n\t-t\tTest file integrity\n\t-v\tVerbose",
    spec: {
      flags: "cdfkltvqnNr123456789",
      long: {
        stdout: "c",
        "to-stdout": "c",
        decompress: "d",
        uncompress: "d",
        force: "f",
        keep: "k",
        test: "t",
        verbose: "v",
        quiet: "q",
        fast: "1",
        best: "9",
      },
    },
    async run(ctx, opts) {
      const decompress = defaultDecompress || opts.has("d") || opts.has("t");
      const files = opts.operands.length ? opts.operands : ["-"];
      if (
        !decompress && files.includes("-") && ctx.sys.isatty(1) && !opts.has("f") && !opts.has("c")
      ) {
        await ctx.error("compressed data not written to a terminal. Use -f to force compression.");
        return 1;
      }
      for (const f of files) {
        if (opts.has("t")) {
          const data = f === "-" ? await readAll(ctx.sys, 0) : await readFile(ctx.sys, f);
          if (isErrno(data)) await ctx.fail(f, data);
          else if ((await gzipBytes(data, "decompress")) === null) {
            await ctx.error(`${f}: not in gzip format`);
            ctx.status = 1;
          }
          continue;
        }
        await processOne(ctx, opts, f, decompress, defaultStdout || opts.has("c"));
      }
      return ctx.status;
    },
  });
}

/** The `gzip` applet. */
export const gzip = makeGzip("gzip", false, false);
/** The `gunzip` applet. */
export const gunzip = makeGzip("gunzip", true, false);
/** The `zcat` applet. */
export const zcat = makeGzip("zcat", true, true);
