/**
 * `tr [-cds] SET1 [SET2]`: translate, squeeze or delete characters from stdin.
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import { applet } from "./_applet.ts";
import { readSome } from "./_io.ts";

const CLASSES: Record<string, (c: number) => boolean> = {
  alpha: (c) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122),
  digit: (c) => c >= 48 && c <= 57,
  alnum: (c) => CLASSES.alpha!(c) || CLASSES.digit!(c),
  upper: (c) => c >= 65 && c <= 90,
  lower: (c) => c >= 97 && c <= 122,
  space: (c) => c === 32 || (c >= 9 && c <= 13),
  blank: (c) => c === 32 || c === 9,
  punct: (c) => c > 32 && c < 127 && !CLASSES.alnum!(c),
  print: (c) => c >= 32 && c < 127,
  graph: (c) => c > 32 && c < 127,
  cntrl: (c) => c < 32 || c === 127,
  xdigit: (c) => CLASSES.digit!(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102),
};

/**
 * Expand a tr set (`a-z`, `[:upper:]`, `\n`, `\\`, `\NNN`, `[c*n]`) to byte values.
 *
 * @param set The set text.
 * @returns The bytes in order, or an error message.
 */
export function expandSet(set: string): number[] | { error: string } {
  const out: number[] = [];
  const chars: number[] = [];
  for (let i = 0; i < set.length; i++) {
    let c = set.charCodeAt(i);
    if (set[i] === "\\" && i + 1 < set.length) {
      const n = set[++i]!;
      const esc: Record<string, number> = {
        n: 10,
        t: 9,
        r: 13,
        "\\": 92,
        a: 7,
        b: 8,
        f: 12,
        v: 11,
      };
      if (/[0-7]/.test(n)) {
        const m = /^[0-7]{1,3}/.exec(set.slice(i))![0];
        c = Number.parseInt(m, 8);
        i += m.length - 1;
      } else c = esc[n] ?? n.charCodeAt(0);
      chars.push(c | 0x10000);
      continue;
    }
    if (set[i] === "[" && set[i + 1] === ":") {
      const end = set.indexOf(":]", i + 2);
      if (end > 0) {
        const name = set.slice(i + 2, end);
        const f = CLASSES[name];
        if (!f) return { error: `invalid character class '${name}'` };
        for (let b = 0; b < 256; b++) if (f(b)) chars.push(b | 0x10000);
        i = end + 1;
        continue;
      }
    }
    chars.push(c);
  }
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]! & 0xffff;
    if (chars[i + 1] === 45 && i + 2 < chars.length) {
      const hi = chars[i + 2]! & 0xffff;
      if (hi < c) {
        return {
          error: `range-endpoints of '${String.fromCharCode(c)}-${
            String.fromCharCode(hi)
          }' are in reverse collating sequence order`,
        };
      }
      for (let b = c; b <= hi; b++) out.push(b);
      i += 2;
    } else out.push(c);
  }
  return out;
}

/**
 * The `tr` applet (bytes; multibyte characters pass through unchanged unless named).
 *
 * @example
 * ```ts ignore
 * await tr(sys, ["tr", "a-z", "A-Z"]);
 * ```
 */
export const tr = applet({
  name: "tr",
  usage:
    "tr [-cds] STRING1 [STRING2]\n\nTranslate, squeeze, or delete characters from stdin, writing to stdout\n\n" +
    "\t-c\tTake complement of STRING1\n\t-d\tDelete input characters coded STRING1\n\t-s\tSqueeze multiple output characters of STRING2 into one character",
  spec: { flags: "cdsC", long: { complement: "c", delete: "d", "squeeze-repeats": "s" } },
  async run(ctx, opts) {
    const [s1, s2] = opts.operands;
    const del = opts.has("d");
    const squeeze = opts.has("s");
    if (s1 === undefined || (!del && !squeeze && s2 === undefined)) {
      await ctx.usageError(
        s1 === undefined
          ? "missing operand"
          : `missing operand after '${s1}'\nTwo strings must be given when translating.`,
      );
      return 1;
    }
    const a = expandSet(s1);
    const b = s2 === undefined ? [] : expandSet(s2);
    if (!Array.isArray(a) || !Array.isArray(b)) {
      await ctx.error(((!Array.isArray(a) ? a : b) as { error: string }).error);
      return 1;
    }
    let set1 = new Set(a);
    if (opts.has("c") || opts.has("C")) {
      const comp = new Set<number>();
      for (let x = 0; x < 256; x++) if (!set1.has(x)) comp.add(x);
      set1 = comp;
    }
    const map = new Map<number, number>();
    if (!del && b.length) {
      const list = [...set1];
      list.forEach((x, i) => map.set(x, b[Math.min(i, b.length - 1)]!));
    }
    const squeezeSet = new Set(del || s2 === undefined ? (squeeze && !del ? [...set1] : b) : b);
    // A block at a time as input arrives (`yes | tr y n | head -n 1` ends); `last` carries
    // squeezing across blocks.
    const buf = new Uint8Array(65536);
    let last = -1;
    for (;;) {
      const got = await readSome(ctx.sys, 0, buf);
      if (isErrno(got)) {
        await ctx.fail("read error", got);
        return 1;
      }
      if (got === 0) break;
      const out = new Uint8Array(got);
      let n = 0;
      for (let i = 0; i < got; i++) {
        const byte = buf[i]!;
        if (del && set1.has(byte)) continue;
        const c = map.get(byte) ?? byte;
        if (squeeze && c === last && squeezeSet.has(c)) continue;
        out[n++] = c;
        last = c;
      }
      await ctx.out.write(out.subarray(0, n));
      await ctx.out.flush();
    }
    return 0;
  },
});
