/**
 * `cut -b LIST | -c LIST | -f LIST [-d DELIM] [-s] [FILE]...`: print selected parts of lines.
 *
 * @module
 */
import { applet } from "./_applet.ts";
import { forEachLine } from "./_lines.ts";

/**
 * Parse a cut list like `1,3-5,7-`.
 *
 * @param list The list.
 * @returns Ranges (1-based, inclusive), or null when invalid.
 */
export function parseList(list: string): [number, number][] | null {
  const out: [number, number][] = [];
  for (const part of list.split(",")) {
    const m = /^(\d*)(-?)(\d*)$/.exec(part);
    if (!m || (m[1] === "" && m[3] === "") || part === "") return null;
    const a = m[1] ? Number(m[1]) : 1;
    const b = m[2] ? (m[3] ? Number(m[3]) : Infinity) : a;
    if (a < 1 || b < a) return null;
    out.push([a, b]);
  }
  return out;
}

/**
 * The `cut` applet.
 *
 * @example
 * ```ts ignore
 * await cut(sys, ["cut", "-d:", "-f1,7", "/etc/passwd"]);
 * ```
 */
export const cut = applet({
  name: "cut",
  usage: "cut [OPTIONS] [FILE]...\n\nPrint selected fields from FILEs to stdout\n\n" +
    "\t-b LIST\tOutput only bytes from LIST\n\t-c LIST\tOutput only characters from LIST\n\t-d SEP\tField delimiter for input (default -f TAB, -F run of whitespace)\n" +
    "\t-f LIST\tPrint only these fields (-d is single char)\n\t-s\tOutput only lines containing delimiter\n\t--output-delimiter SEP\tOutput delimiter",
  spec: {
    flags: "sn",
    withArg: "bcdf",
    long: {
      "bytes=": "b",
      "characters=": "c",
      "delimiter=": "d",
      "fields=": "f",
      "only-delimited": "s",
      "output-delimiter=": "O",
    },
  },
  async run(ctx, opts) {
    const modes = ["b", "c", "f"].filter((k) => opts.has(k));
    if (modes.length !== 1) {
      await ctx.usageError(
        modes.length
          ? "only one type of list may be specified"
          : "you must specify a list of bytes, characters, or fields",
      );
      return 1;
    }
    const mode = modes[0]!;
    const ranges = parseList(opts.get(mode)!);
    if (!ranges) {
      await ctx.error(`invalid field value '${opts.get(mode)}'`);
      return 1;
    }
    const delim = opts.get("d") ?? "\t";
    if (delim.length !== 1) {
      await ctx.usageError("the delimiter must be a single character");
      return 1;
    }
    const outDelim = opts.get("O") ?? (mode === "f" ? delim : "");
    const sel = (i: number) => ranges.some(([a, b]) => i >= a && i <= b);
    await forEachLine(ctx, opts.operands, (line) => {
      if (mode === "f") {
        if (!line.includes(delim)) return opts.has("s") ? "" : line + "\n";
        return line.split(delim).filter((_, i) => sel(i + 1)).join(outDelim) + "\n";
      } else {
        const units = mode === "c"
          ? [...line]
          : [...new TextEncoder().encode(line)].map((b) => String.fromCharCode(b));
        let picked = "";
        let prev = false;
        units.forEach((u, i) => {
          if (sel(i + 1)) {
            if (!prev && picked && outDelim) picked += outDelim;
            picked += u;
            prev = true;
          } else prev = false;
        });
        return (mode === "b"
          ? new TextDecoder().decode(Uint8Array.from(picked, (c) => c.charCodeAt(0)))
          : picked) + "\n";
      }
    });
    return ctx.status ? 1 : 0;
  },
});
