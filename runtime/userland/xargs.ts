/**
 * `xargs [-0rt] [-d DELIM] [-n N] [-I STR] [-L N] [-s SIZE] [COMMAND [ARG]...]`: build
 * command lines from standard input.
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import { applet } from "./_applet.ts";
import { readAll, utf8, writeAll } from "./_io.ts";
import { spawnAndWait } from "./_exec.ts";

/**
 * Split xargs input: blanks and newlines separate, quotes and backslashes group (POSIX).
 *
 * @param text Input.
 * @returns The items, or an error message for an unmatched quote.
 */
export function splitXargs(text: string): string[] | { error: string } {
  const out: string[] = [];
  let cur = "";
  let has = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      const nl = text.indexOf("\n", i + 1);
      if (end < 0 || (nl >= 0 && nl < end)) {
        return {
          error: `unmatched ${
            c === "'" ? "single" : "double"
          } quote; by default quotes are special to xargs unless you use the -0 option`,
        };
      }
      cur += text.slice(i + 1, end);
      has = true;
      i = end;
    } else if (c === "\\" && i + 1 < text.length) {
      cur += text[++i];
      has = true;
    } else if (c === " " || c === "\t" || c === "\n") {
      if (has) out.push(cur);
      cur = "";
      has = false;
    } else {
      cur += c;
      has = true;
    }
  }
  if (has) out.push(cur);
  return out;
}

/**
 * The `xargs` applet. Exit status follows POSIX/GNU: 123 when a command exited 1-125,
 * 124 when one exited 255, 125 when one was killed, 126/127 when it could not run.
 *
 * @example
 * ```ts ignore
 * await xargs(sys, ["xargs", "-n", "2", "echo"]);
 * ```
 */
export const xargs = applet({
  name: "xargs",
  usage: "xargs [OPTIONS] [PROG ARGS]\n\nRun PROG on every item given by stdin\n\n" +
    "\t-0\tNUL terminated input\n\t-d CHAR\tInput items are terminated by CHAR\n\t-n N\tPass no more than N args to PROG\n" +
    "\t-I STR\tReplace STR within PROG ARGS with input line\n\t-L N\tPass no more than N input lines to PROG\n" +
    "\t-r\tDon't run command if input is empty\n\t-t\tPrint the command on stderr before execution\n\t-s N\tPass command line of no more than N bytes",
  spec: {
    flags: "0rtxp",
    withArg: "dnILsPEe",
    stopAtOperand: true,
    long: {
      null: "0",
      "delimiter=": "d",
      "max-args=": "n",
      "replace=": "I",
      "max-lines=": "L",
      "no-run-if-empty": "r",
      verbose: "t",
      "max-chars=": "s",
      "max-procs=": "P",
    },
  },
  async run(ctx, opts) {
    const cmd = opts.operands.length ? opts.operands : ["echo"];
    const data = await readAll(ctx.sys, 0);
    if (isErrno(data)) {
      await ctx.fail("read error", data);
      return 1;
    }
    const text = new TextDecoder().decode(data);
    let items: string[];
    const replace = opts.get("I");
    if (opts.has("0") || opts.has("d")) {
      const d = opts.has("0")
        ? "\0"
        : (opts.get("d")!.replace(/^\\n$/, "\n").replace(/^\\t$/, "\t"));
      items = text.split(d);
      if (items[items.length - 1] === "") items.pop();
    } else if (replace !== undefined || opts.has("L")) {
      items = text.split("\n").map((l) => l.replace(/^[ \t]+/, "")).filter((l) => l !== "");
      if (replace === undefined) {
        const split: string[] = [];
        for (const l of items) {
          const s = splitXargs(l);
          if (!Array.isArray(s)) {
            await ctx.error(s.error);
            return 1;
          }
          split.push(s.join("\u0001"));
        }
        items = split;
      }
    } else {
      const s = splitXargs(text);
      if (!Array.isArray(s)) {
        await ctx.error(s.error);
        return 1;
      }
      items = s;
    }
    const groups: string[][] = [];
    if (replace !== undefined) {
      for (const it of items) groups.push(cmd.map((a) => a.replaceAll(replace, it)));
    } else {
      const perLine = opts.has("L") ? Number(opts.get("L")) : 0;
      const n = opts.has("n") ? Number(opts.get("n")) : Infinity;
      const maxChars = opts.has("s") ? Number(opts.get("s")) : 131072;
      if (!(n >= 1) || (perLine !== 0 && !(perLine >= 1))) {
        await ctx.error(
          `invalid number "${opts.get("n") ?? opts.get("L")}" for -${
            opts.has("n") ? "n" : "L"
          } option`,
        );
        return 1;
      }
      let cur: string[] = [];
      let len = cmd.join(" ").length;
      let lines = 0;
      const base = cmd.join(" ").length;
      for (const it of items) {
        const parts = perLine ? it.split("\u0001") : [it];
        if (
          cur.length &&
          (cur.length + parts.length > n || len + it.length + 1 > maxChars ||
            (perLine && lines >= perLine))
        ) {
          groups.push([...cmd, ...cur]);
          cur = [];
          len = base;
          lines = 0;
        }
        cur.push(...parts);
        len += it.length + 1;
        lines++;
      }
      if (cur.length || (!opts.has("r") && items.length === 0)) groups.push([...cmd, ...cur]);
    }
    let status = 0;
    for (const argv of groups) {
      if (opts.has("t")) await writeAll(ctx.sys, 2, utf8(argv.join(" ") + "\n"));
      await ctx.out.flush();
      const r = await spawnAndWait(ctx.sys, { path: argv[0]!, argv });
      if (!r.ok) {
        await ctx.fail(argv[0]!, r.errno);
        return r.errno === -2 ? 127 : 126;
      }
      if (r.signal !== null) {
        await ctx.error(`${argv[0]}: terminated by signal ${r.signal}`);
        return 125;
      }
      if (r.exitCode === 255) {
        await ctx.error(`${argv[0]}: exited with status 255; aborting`);
        return 124;
      }
      if (r.exitCode !== 0) status = 123;
    }
    return status;
  },
});
