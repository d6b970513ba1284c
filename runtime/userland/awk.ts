/**
 * `awk [-F FS] [-v VAR=VAL]... [-f PROGFILE | 'PROGRAM'] [FILE|VAR=VAL]...`: awk-lite, a
 * tree-walking interpreter for the POSIX awk language (no `cmd | getline`, no output pipes).
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import { applet } from "./_applet.ts";
import { LineReader, openInput, readFile, readText, utf8, writeAll, writeFile } from "./_io.ts";
import { RegexError } from "./_regex.ts";
import { spawnAndWait } from "./_exec.ts";
import { AwkSyntaxError, parseAwk } from "./_awk_parse.ts";
import type { Program, Stmt } from "./_awk_parse.ts";
import {
  AwkError,
  Exit,
  Interp,
  Next,
  num,
  splitRecords,
  StrNum,
  SystemCall,
} from "./_awk_interp.ts";
import type { Value } from "./_awk_interp.ts";

/**
 * The `awk` applet (awk-lite).
 *
 * @example
 * ```ts ignore
 * await awk(sys, ["awk", "-F:", "{ print $1 }", "/etc/passwd"]);
 * ```
 */
export const awk = applet({
  name: "awk",
  usage:
    "awk [OPTIONS] [AWK_PROGRAM] [FILE]...\n\n\t-v VAR=VAL\tSet variable\n\t-F SEP\t\tUse SEP as field separator\n\t-f FILE\t\tRead program from FILE",
  usageStatus: 2,
  spec: {
    withArg: "vFf",
    stopAtOperand: true,
    long: { "assign=": "v", "field-separator=": "F", "file=": "f" },
  },
  async run(ctx, opts) {
    const ops = [...opts.operands];
    let src: string;
    if (opts.has("f")) {
      src = "";
      for (const f of opts.all("f")) {
        const t = await readText(ctx.sys, f);
        if (isErrno(t)) {
          await ctx.fail(`can't open file ${f}`, t, 2);
          return 2;
        }
        src += t + "\n";
      }
    } else {
      const s = ops.shift();
      if (s === undefined) {
        await ctx.usageError("no program given");
        return 2;
      }
      src = s;
    }
    let prog: Program;
    try {
      prog = parseAwk(src);
    } catch (e) {
      if (!(e instanceof AwkSyntaxError || e instanceof RegexError)) throw e;
      await ctx.error(`${e.message}\n source line 1\n context is\n\t${src.split("\n")[0]}`);
      return 2;
    }
    const it = new Interp(ctx, prog);
    // `getline < "file"` reads synchronously in the interpreter: preload constant file names.
    for (
      const m of JSON.stringify(prog).matchAll(
        /"k":"getline","target":(?:null|\{[^}]*\}),"file":\{"k":"str","v":"((?:[^"\\]|\\.)*)"\}/g,
      )
    ) {
      const name = JSON.parse(`"${m[1]}"`) as string;
      const t = await readText(ctx.sys, name);
      if (!isErrno(t)) it.preloaded.set(name, t);
    }
    const assignVar = (a: string) => {
      const i = a.indexOf("=");
      const value = a.slice(i + 1).replace(/\\n/g, "\n").replace(/\\t/g, "\t");
      it.globals.set(a.slice(0, i), new StrNum(value));
    };
    for (const v of opts.all("v")) assignVar(v);
    if (opts.has("F")) {
      const f = opts.get("F")!;
      it.globals.set("FS", f === "t" ? "\t" : f.replace(/\\t/g, "\t"));
    }
    const argv = new Map<string, Value>([["0", "awk"]]);
    ops.forEach((o, i) => argv.set(String(i + 1), new StrNum(o)));
    it.arrays.set("ARGV", argv);
    it.globals.set("ARGC", ops.length + 1);
    const flush = async () => {
      if (it.pending) {
        await ctx.out.write(it.pending);
        it.pending = "";
      }
      if (it.stderr) {
        await ctx.out.flush();
        await writeAll(ctx.sys, 2, utf8(it.stderr));
        it.stderr = "";
      }
    };
    let exitCode: number | null = null;
    // Run a statement list, servicing system() calls by re-running is impossible in a
    // tree walker; system() is supported only as a whole statement (its own line).
    const runList = async (list: Stmt[]): Promise<void> => {
      for (const s of list) {
        try {
          it.exec(s);
        } catch (e) {
          if (e instanceof SystemCall) {
            await flush();
            await ctx.out.flush();
            const r = await spawnAndWait(ctx.sys, { path: "sh", argv: ["sh", "-c", e.cmd] });
            void r;
            continue;
          }
          throw e;
        }
      }
    };
    const guard = async (f: () => Promise<void>): Promise<boolean> => {
      try {
        await f();
        return true;
      } catch (e) {
        if (e instanceof Exit) {
          exitCode = e.code;
          return false;
        }
        if (e instanceof AwkError) {
          await flush();
          await ctx.error(e.message);
          exitCode = 2;
          return false;
        }
        throw e;
      }
    };
    let go = true;
    for (const item of prog.items) {
      if (item.pattern?.k === "begin" && go) go = await guard(() => runList(item.action ?? []));
    }
    const main = prog.items.filter((i) => i.pattern?.k !== "begin" && i.pattern?.k !== "end");
    const hasEnd = prog.items.some((i) => i.pattern?.k === "end");
    if (go && (main.length || hasEnd)) {
      const inputs = ops.filter((o) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(o));
      const list = ops.length ? ops : ["-"];
      if (inputs.length === 0 && ops.length) list.push("-");
      const readsRecords = readsInput(prog);
      /** Run the main items over one record. */
      const record = async (text: string) => {
        it.setRecord(text);
        it.globals.set("NR", num(it.globals.get("NR")) + 1);
        it.globals.set("FNR", num(it.globals.get("FNR")) + 1);
        try {
          for (const item of main) {
            const p = item.pattern;
            let hit = true;
            if (p?.k === "expr") {
              hit = p.e.k === "re" ? it.regex(p.e).test(it.record) : it.truthy(it.eval(p.e));
            } else if (p?.k === "range") {
              if (!it.rangeOn.has(p)) {
                hit = it.truthy(it.eval(p.a));
                if (hit && !it.truthy(it.eval(p.b))) it.rangeOn.add(p);
              } else if (it.truthy(it.eval(p.b))) it.rangeOn.delete(p);
            }
            if (!hit) continue;
            if (item.action) await runList(item.action);
            else it.pending += it.record + it.str(it.globals.get("ORS"));
          }
        } catch (e) {
          if (!(e instanceof Next)) throw e;
        }
        if (it.pending.length > 65536) await flush();
      };
      go = await guard(async () => {
        for (const f of list) {
          if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(f)) {
            assignVar(f);
            continue;
          }
          it.globals.set("FILENAME", f === "-" ? "" : f);
          it.globals.set("FNR", 0);
          // Records as they arrive (`tail -f log | awk '{ print $1 }'`), unless the program
          // reads records itself with a plain getline, or RS is not a newline: those read
          // the input whole first.
          if (!readsRecords && it.str(it.globals.get("RS")) === "\n") {
            const fd = await openInput(ctx.sys, f);
            if (isErrno(fd)) {
              await flush();
              await ctx.fail(`cannot open "${f}"`, fd, 2);
              continue;
            }
            const reader = new LineReader(ctx.sys, fd);
            it.input = { lines: [], i: 0 };
            // What the records made goes out before each wait for input.
            const emit = async () => {
              if (it.pending === "") return;
              await flush();
              await ctx.out.flush();
            };
            try {
              for (;;) {
                const line = reader.nextBuffered() ?? await reader.next(emit);
                if (line === null) break;
                await record(line);
              }
            } finally {
              if (fd !== 0) ctx.sys.close(fd);
            }
            continue;
          }
          const data = await readFile(ctx.sys, f);
          if (isErrno(data)) {
            await flush();
            await ctx.fail(`cannot open "${f}"`, data, 2);
            continue;
          }
          it.input = {
            lines: splitRecords(new TextDecoder().decode(data), it.str(it.globals.get("RS"))),
            i: 0,
          };
          while (it.input.i < it.input.lines.length) {
            await record(it.input.lines[it.input.i++]!);
          }
        }
      });
    }
    if (exitCode === null || hasEnd) {
      const code = exitCode;
      for (const item of prog.items) {
        if (item.pattern?.k === "end") {
          if (!(await guard(() => runList(item.action ?? [])))) break;
        }
      }
      if (exitCode === null) exitCode = code;
    }
    await flush();
    for (const [name, content] of it.files) {
      const append = content.startsWith("\u0000append");
      const r = await writeFile(
        ctx.sys,
        name,
        append ? content.slice(7) : content,
        append ? 0o2000 : 0o1000,
      );
      if (r) await ctx.fail(`can't redirect to ${name}`, r, 2);
    }
    return exitCode ?? ctx.status;
  },
});

/** Whether a plain `getline` (from the current input) appears anywhere in the program. */
function readsInput(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(readsInput);
  if (node === null || typeof node !== "object") return false;
  const n = node as { k?: unknown; file?: unknown };
  if (n.k === "getline" && n.file === null) return true;
  return Object.values(node).some(readsInput);
}
