/**
 * `yes [STRING]...`: print a line forever (until the reader goes away).
 *
 * @module
 */
import { applet } from "./_applet.ts";
import { utf8, writeAll } from "./_io.ts";

/**
 * The `yes` applet. Stops with status 1 when a write fails (e.g. `EPIPE`).
 *
 * @example
 * ```ts ignore
 * await yes(sys, ["yes", "n"]);
 * ```
 */
export const yes = applet({
  name: "yes",
  usage: "yes [STRING]...\n\nRepeatedly output a line with all specified STRING(s), or 'y'.",
  raw: true,
  async run(ctx, opts) {
    const line = (opts.operands.length ? opts.operands.join(" ") : "y") + "\n";
    const chunk = utf8(line.repeat(Math.max(1, Math.floor(8192 / line.length))));
    for (;;) {
      if (await writeAll(ctx.sys, 1, chunk)) return 1;
    }
  },
});
