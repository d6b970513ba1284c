/**
 * `sha256sum`, `sha1sum`, `sha512sum`, `md5sum` `[-c] [FILE]...`: print or check digests
 * (node:crypto hashing is pure computation: no host access).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { isErrno } from "../kernel/errno.ts";
import { applet } from "./_applet.ts";
import type { BuiltinMain } from "./_builtin.ts";
import { openInput, readSome, readText } from "./_io.ts";
import type { Ctx } from "./_applet.ts";

async function digestOf(ctx: Ctx, algo: string, path: string): Promise<string | number> {
  const fd = await openInput(ctx.sys, path);
  if (isErrno(fd)) return fd;
  const h = createHash(algo);
  const buf = new Uint8Array(65536);
  for (;;) {
    const n = await readSome(ctx.sys, fd, buf);
    if (isErrno(n)) {
      if (fd !== 0) ctx.sys.close(fd);
      return n;
    }
    if (n === 0) break;
    h.update(buf.subarray(0, n));
  }
  if (fd !== 0) ctx.sys.close(fd);
  return h.digest("hex");
}

function make(name: string, algo: string, hexLen: number): BuiltinMain {
  const upper = name.replace("sum", "").toUpperCase();
  return applet({
    name,
    usage: `${name} [-c[sw]] [FILE]...\n\nPrint or check ${upper} checksums\n\n` +
      "\t-c\tCheck sums against list in FILEs\n\t-s\tDon't output anything, status code shows success\n\t-w\tWarn about improperly formatted checksum lines",
    spec: {
      flags: "cswbtz",
      long: { check: "c", status: "s", quiet: "q", warn: "w", binary: "b", text: "t" },
    },
    async run(ctx, opts) {
      const files = opts.operands.length ? opts.operands : ["-"];
      if (!opts.has("c")) {
        for (const f of files) {
          const d = await digestOf(ctx, algo, f);
          if (typeof d === "number") await ctx.fail(f, d);
          else await ctx.out.write(`${d}  ${f}\n`);
        }
        return ctx.status;
      }
      let bad = 0;
      let unreadable = 0;
      let malformed = 0;
      for (const list of files) {
        const text = await readText(ctx.sys, list);
        if (isErrno(text)) {
          await ctx.fail(list, text);
          continue;
        }
        for (const line of text.split("\n")) {
          if (!line) continue;
          const m = new RegExp(`^([0-9a-fA-F]{${hexLen}}) [ *](.+)$`).exec(line);
          if (!m) {
            malformed++;
            continue;
          }
          const d = await digestOf(ctx, algo, m[2]!);
          if (typeof d === "number") {
            unreadable++;
            if (!opts.has("s")) {
              await ctx.fail(m[2]!, d);
              await ctx.out.write(`${m[2]}: FAILED open or read\n`);
            }
            continue;
          }
          const ok = d === m[1]!.toLowerCase();
          if (!ok) bad++;
          if (!opts.has("s") && !(ok && opts.has("q"))) {
            await ctx.out.write(`${m[2]}: ${ok ? "OK" : "FAILED"}\n`);
          }
        }
      }
      if (!opts.has("s")) {
        if (malformed) {
          await ctx.error(
            `WARNING: ${malformed} line${malformed > 1 ? "s are" : " is"} improperly formatted`,
          );
        }
        if (unreadable) {
          await ctx.error(
            `WARNING: ${unreadable} listed file${unreadable > 1 ? "s" : ""} could not be read`,
          );
        }
        if (bad) {
          await ctx.error(`WARNING: ${bad} computed checksum${bad > 1 ? "s" : ""} did NOT match`);
        }
      }
      return bad || unreadable || ctx.status ? 1 : 0;
    },
  });
}

/**
 * The `sha256sum` applet.
 *
 * @example
 * ```ts ignore
 * await sha256sum(sys, ["sha256sum", "/etc/passwd"]);
 * ```
 */
export const sha256sum: BuiltinMain = make("sha256sum", "sha256", 64);
/** The `sha1sum` applet. */
export const sha1sum: BuiltinMain = make("sha1sum", "sha1", 40);
/** The `sha512sum` applet. */
export const sha512sum: BuiltinMain = make("sha512sum", "sha512", 128);
/** The `md5sum` applet. */
export const md5sum: BuiltinMain = make("md5sum", "md5", 32);
