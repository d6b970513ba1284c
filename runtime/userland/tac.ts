/**
 * Line filters: `tac`, `rev`, `nl`, `paste`.
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import { applet } from "./_applet.ts";
import { readFile } from "./_io.ts";
import { readLines } from "./_lines.ts";

/**
 * `tac [FILE]...`: concatenate and print in reverse line order.
 *
 * @example
 * ```ts ignore
 * await tac(sys, ["tac", "log"]);
 * ```
 */
export const tac = applet({
  name: "tac",
  usage: "tac [FILE]...\n\nConcatenate FILEs and print them in reverse",
  async run(ctx, opts) {
    for (const f of opts.operands.length ? opts.operands : ["-"]) {
      const data = await readFile(ctx.sys, f);
      if (isErrno(data)) {
        await ctx.fail(`failed to open '${f}' for reading`, data);
        continue;
      }
      const text = new TextDecoder().decode(data);
      const lines = text.split("\n");
      const last = lines.pop()!;
      const out = (last === "" ? [] : [last]).concat(lines.reverse().map((l) => l + "\n"));
      await ctx.out.write(last === "" ? out.join("") : out[0]! + out.slice(1).join(""));
    }
    return ctx.status;
  },
});

/**
 * `rev [FILE]...`: reverse each line's characters.
 *
 * @example
 * ```ts ignore
 * await rev(sys, ["rev"]);
 * ```
 */
export const rev = applet({
  name: "rev",
  usage: "rev [FILE]...\n\nReverse lines of FILE",
  async run(ctx, opts) {
    const lines = await readLines(ctx, opts.operands);
    await ctx.out.write(lines.map((l) => [...l].reverse().join("") + "\n").join(""));
    return ctx.status ? 1 : 0;
  },
});

/**
 * `nl [-b a|t|n] [-w N] [-s SEP] [-v N] [FILE]...`: number lines.
 *
 * @example
 * ```ts ignore
 * await nl(sys, ["nl", "-ba", "file"]);
 * ```
 */
export const nl = applet({
  name: "nl",
  usage: "nl [OPTIONS] [FILE]...\n\nWrite FILEs to standard output with line numbers added\n\n" +
    "\t-b STYLE\tWhich lines to number - a: all, t: nonempty, n: none\n\t-i N\tLine number increment\n\t-s STRING\tUse STRING as line number separator\n\t-v N\tStart from N\n\t-w N\tWidth of line numbers",
  spec: {
    withArg: "bisvwn",
    long: {
      "body-numbering=": "b",
      "line-increment=": "i",
      "number-separator=": "s",
      "starting-line-number=": "v",
      "number-width=": "w",
      "number-format=": "n",
    },
  },
  async run(ctx, opts) {
    const style = opts.get("b") ?? "t";
    const width = Number(opts.get("w") ?? 6);
    const sep = opts.get("s") ?? "\t";
    const inc = Number(opts.get("i") ?? 1);
    let n = Number(opts.get("v") ?? 1);
    const fmt = opts.get("n") ?? "rn";
    const lines = await readLines(ctx, opts.operands);
    let out = "";
    for (const l of lines) {
      const numbered = style === "a" || (style === "t" && l !== "");
      if (numbered) {
        const s = String(n);
        const num = fmt === "ln"
          ? s.padEnd(width)
          : fmt === "rz"
          ? s.padStart(width, "0")
          : s.padStart(width);
        out += num + sep + l + "\n";
        n += inc;
      } else out += " ".repeat(width + sep.length) + l + "\n";
    }
    await ctx.out.write(out);
    return ctx.status ? 1 : 0;
  },
});

/**
 * `paste [-d LIST] [-s] FILE...`: merge lines of files.
 *
 * @example
 * ```ts ignore
 * await paste(sys, ["paste", "-d,", "a", "b"]);
 * ```
 */
export const paste = applet({
  name: "paste",
  usage:
    "paste [-d LIST] [-s] [FILE]...\n\nPaste lines from each input with delimiter in between\n\n\t-d LIST\tUse delimiters from LIST, not tab\n\t-s\tSerial: one file at a time",
  spec: { flags: "s", withArg: "d", long: { "delimiters=": "d", serial: "s" } },
  async run(ctx, opts) {
    const delims = [
      ...(opts.get("d") ?? "\t").replace(/\\t/g, "\t").replace(/\\n/g, "\n").replace(/\\0/g, ""),
    ];
    const d = (i: number) => (delims.length ? delims[i % delims.length]! : "");
    const files = opts.operands.length ? opts.operands : ["-"];
    const cols: string[][] = [];
    let stdinLines: string[] | null = null;
    for (const f of files) {
      if (f === "-") {
        stdinLines ??= await readLines(ctx, ["-"]);
        cols.push(stdinLines);
      } else cols.push(await readLines(ctx, [f]));
    }
    let out = "";
    if (opts.has("s")) {
      for (const c of cols) out += c.map((l, i) => (i ? d(i - 1) : "") + l).join("") + "\n";
    } else {
      const rows = Math.max(0, ...cols.map((c) => c.length));
      for (let r = 0; r < rows; r++) {
        out += cols.map((c, i) => (i ? d(i - 1) : "") + (c[r] ?? "")).join("") + "\n";
      }
    }
    await ctx.out.write(out);
    return ctx.status ? 1 : 0;
  },
});
