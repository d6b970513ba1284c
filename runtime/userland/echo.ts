/**
 * `echo [-neE] [ARG]...`: print arguments separated by spaces, as BusyBox does.
 *
 * @module
 */
import { applet } from "./_applet.ts";
import { expandEscapes } from "./_escapes.ts";

/**
 * The `echo` applet.
 *
 * @example
 * ```ts ignore
 * await echo(sys, ["echo", "-n", "hi"]);
 * ```
 */
export const echo = applet({
  name: "echo",
  usage:
    "echo [-neE] [ARG]...\n\nPrint the specified ARGs to stdout\n\n\t-n\tNo trailing newline\n\t-e\tInterpret backslash escapes (i.e., \\t=tab)\n\t-E\tDon't interpret backslash escapes (default)",
  noHelp: true,
  raw: true,
  async run(ctx, opts) {
    const args = opts.operands;
    let newline = true;
    let escapes = false;
    let i = 0;
    for (; i < args.length; i++) {
      const a = args[i]!;
      if (!/^-[neE]+$/.test(a)) break;
      for (const c of a.slice(1)) {
        if (c === "n") newline = false;
        else if (c === "e") escapes = true;
        else escapes = false;
      }
    }
    let text = args.slice(i).join(" ");
    if (escapes) {
      const r = expandEscapes(text, true);
      text = r.text;
      if (r.stop) newline = false;
    }
    await ctx.out.write(newline ? text + "\n" : text);
    return 0;
  },
});
