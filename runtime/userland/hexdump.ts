/**
 * `hexdump [-C] [-n N] [-s OFF] [FILE]...` and `od [-A d|o|x|n] [-t x1|o1|d1|u1|c|x2|o2] [-c]
 * [-x] [-N N] [-j OFF] [-v] [FILE]...`: dump bytes.
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import { applet } from "./_applet.ts";
import type { Ctx } from "./_applet.ts";
import type { Opts } from "./_args.ts";
import { readFile } from "./_io.ts";

async function input(
  ctx: Ctx,
  opts: Opts,
  skipKey: string,
  lenKey: string,
): Promise<Uint8Array | null> {
  const parts: Uint8Array[] = [];
  for (const f of opts.operands.length ? opts.operands : ["-"]) {
    const d = await readFile(ctx.sys, f);
    if (isErrno(d)) {
      await ctx.fail(f, d);
      continue;
    }
    parts.push(d);
  }
  if (parts.length === 0 && opts.operands.length) return null;
  const total = parts.reduce((s, p) => s + p.length, 0);
  const all = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  const skip = Number(opts.get(skipKey) ?? 0);
  const len = opts.has(lenKey) ? Number(opts.get(lenKey)) : Infinity;
  return all.subarray(Math.min(skip, all.length), Math.min(all.length, skip + len));
}

/**
 * The `hexdump` applet (`-C` canonical hex+ASCII; the default is 16-bit words like BSD).
 *
 * @example
 * ```ts ignore
 * await hexdump(sys, ["hexdump", "-C", "/bin/berthbox"]);
 * ```
 */
export const hexdump = applet({
  name: "hexdump",
  usage:
    "hexdump [-bcCdox] [-n LENGTH] [-s OFFSET] [FILE]...\n\nDisplay FILEs (or stdin) in a user specified format\n\n" +
    "\t-C\tHex+ASCII 16 bytes per line\n\t-n LENGTH\tInterpret only LENGTH bytes of input\n\t-s OFFSET\tSkip OFFSET bytes\n\t-v\tDisplay all input data",
  spec: { flags: "Cvbcdox", withArg: "ns" },
  async run(ctx, opts) {
    const data = await input(ctx, opts, "s", "n");
    if (!data) return 1;
    const base = Number(opts.get("s") ?? 0);
    const hex = (n: number, w: number) => n.toString(16).padStart(w, "0");
    let out = "";
    let prev = "";
    let starred = false;
    for (let i = 0; i < data.length; i += 16) {
      const row = data.subarray(i, i + 16);
      let body: string;
      if (opts.has("C")) {
        const bytes = [...row].map((b) => hex(b, 2));
        const left = bytes.slice(0, 8).join(" ");
        const right = bytes.slice(8).join(" ");
        body = `${left.padEnd(23)}  ${right.padEnd(23)}  |${
          [...row].map((b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : ".")).join("")
        }|`;
      } else {
        const words: string[] = [];
        for (let j = 0; j < row.length; j += 2) {
          words.push(hex(row[j]! | ((row[j + 1] ?? 0) << 8), 4));
        }
        body = words.join(" ");
      }
      if (!opts.has("v") && body === prev && row.length === 16) {
        if (!starred) out += "*\n";
        starred = true;
        continue;
      }
      starred = false;
      prev = body;
      out += opts.has("C") ? `${hex(base + i, 8)}  ${body}\n` : `${hex(base + i, 7)} ${body}\n`;
    }
    if (data.length) {
      out += opts.has("C") ? `${hex(base + data.length, 8)}\n` : `${hex(base + data.length, 7)}\n`;
    }
    await ctx.out.write(out);
    return ctx.status;
  },
});

const NAMED: Record<number, string> = {
  0: "\\0",
  7: "\\a",
  8: "\\b",
  9: "\\t",
  10: "\\n",
  11: "\\v",
  12: "\\f",
  13: "\\r",
};

/**
 * The `od` applet.
 *
 * @example
 * ```ts ignore
 * await od(sys, ["od", "-c", "file"]);
 * ```
 */
export const od = applet({
  name: "od",
  usage:
    "od [-bcdosxv] [-A RADIX] [-t TYPE] [-N COUNT] [-j SKIP] [FILE]...\n\nPrint FILEs (or stdin) unambiguously, as octal bytes by default\n\n" +
    "\t-A d|o|x|n\tOffset radix\n\t-t TYPE\tx1 o1 d1 u1 c x2 o2 d2 u2\n\t-c\tSame as -t c\n\t-x\tSame as -t x2\n\t-b\tSame as -t o1\n\t-N COUNT\tRead COUNT bytes\n\t-j SKIP\tSkip SKIP bytes\n\t-v\tDon't suppress duplicate lines",
  spec: {
    flags: "bcdosxv",
    withArg: "AtNjw",
    long: {
      "address-radix=": "A",
      "format=": "t",
      "read-bytes=": "N",
      "skip-bytes=": "j",
      "output-duplicates": "v",
    },
  },
  async run(ctx, opts) {
    const data = await input(ctx, opts, "j", "N");
    if (!data) return 1;
    let type = opts.get("t") ??
      (opts.has("c")
        ? "c"
        : opts.has("x")
        ? "x2"
        : opts.has("b")
        ? "o1"
        : opts.has("d")
        ? "u2"
        : "o2");
    if (/^[xodu]$/.test(type)) type += type === "x" || type === "o" ? "2" : "4";
    const m = /^([xoduc])(\d?)$/.exec(type.replace(/[CSIL]$/, ""));
    if (!m) {
      await ctx.error(`invalid type string '${type}'`);
      return 1;
    }
    const radix = opts.get("A") ?? "o";
    const addr = (n: number) =>
      radix === "n"
        ? ""
        : radix === "d"
        ? String(n).padStart(7, "0")
        : radix === "x"
        ? n.toString(16).padStart(6, "0")
        : n.toString(8).padStart(7, "0");
    const kind = m[1]!;
    const size = kind === "c" ? 1 : Number(m[2] || 2);
    const fmt = (i: number, row: Uint8Array): string => {
      if (kind === "c") {
        const b = row[i]!;
        return (NAMED[b] ??
          (b >= 32 && b < 127 ? String.fromCharCode(b) : b.toString(8).padStart(3, "0"))).padStart(
            4,
          );
      }
      let v = 0;
      for (let k = size - 1; k >= 0; k--) v = v * 256 + (row[i + k] ?? 0);
      if (kind === "d" && v >= 2 ** (8 * size - 1)) v -= 2 ** (8 * size);
      const text = kind === "x"
        ? v.toString(16).padStart(size * 2, "0")
        : kind === "o"
        ? v.toString(8).padStart(Math.ceil((size * 8) / 3), "0")
        : String(v);
      const width = kind === "x"
        ? size * 2
        : kind === "o"
        ? Math.ceil((size * 8) / 3)
        : [0, 4, 6, 0, 11][size] ?? 21;
      return text.padStart(width);
    };
    let out = "";
    let prev = "";
    let starred = false;
    for (let i = 0; i < data.length; i += 16) {
      const row = data.subarray(i, i + 16);
      let body = "";
      for (let j = 0; j < row.length; j += size) body += (kind === "c" ? "" : " ") + fmt(j, row);
      if (!opts.has("v") && body === prev && row.length === 16) {
        if (!starred) out += "*\n";
        starred = true;
        continue;
      }
      starred = false;
      prev = body;
      out += addr(i + Number(opts.get("j") ?? 0)) + body + "\n";
    }
    if (radix !== "n") out += addr(data.length + Number(opts.get("j") ?? 0)) + "\n";
    await ctx.out.write(out);
    return ctx.status;
  },
});
