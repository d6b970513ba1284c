/**
 * `sed [-nEirs] [-e SCRIPT]... [-f FILE] [SCRIPT] [FILE]...`: the stream editor.
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import { applet } from "./_applet.ts";
import { parseOpts } from "./_args.ts";
import type { Ctx } from "./_applet.ts";
import { LineReader, openInput, readFile, readText, writeFile } from "./_io.ts";
import { RegexError } from "./_regex.ts";
import { charBytes, COUNTED_FROM, HeapMeter, PIECE_BYTES } from "./_heap.ts";
import { parseSed, SedError } from "./_sed_parse.ts";
import type { Addr, Cmd } from "./_sed_parse.ts";

/** One input line, and whether a newline ended it (only a last line may lack one). */
interface InputLine {
  line: string;
  nl: boolean;
}

/** The lines `runSed` reads, as they arrive, with the lookahead that `$` needs. */
interface SedLines {
  /** The next line, or null at the end (waits for input). */
  next(): Promise<InputLine | null>;
  /** Whether another line follows (waits for input to know). */
  more(): Promise<boolean>;
  /** Whether `next()` and `more()` would answer without waiting for input. */
  readonly ready: boolean;
}

/** The lines of a text held whole (a file edited in place or with `-s`). */
function textLines(text: string): SedLines {
  const lines = text.split("\n");
  const lastNl = text.endsWith("\n");
  if (lastNl || text === "") lines.pop();
  let i = 0;
  return {
    next: () =>
      Promise.resolve(
        i < lines.length ? { line: lines[i++]!, nl: i < lines.length || lastNl } : null,
      ),
    more: () => Promise.resolve(i < lines.length),
    ready: true,
  };
}

/**
 * The lines of several inputs as one stream, read as they arrive (`tail -f log | sed …`
 * prints as lines come, `yes | sed 2q` ends). A line missing its newline at the end of an
 * input that is not the last is a line of its own. Unreadable inputs are reported and
 * skipped.
 */
class StreamLines implements SedLines {
  readonly #ctx: Ctx;
  readonly #files: string[];
  #reader: LineReader | null = null;
  #fd = -1;
  #ahead: InputLine | null | undefined = undefined;

  constructor(ctx: Ctx, files: string[]) {
    this.#ctx = ctx;
    this.#files = [...files];
  }

  get ready(): boolean {
    return this.#ahead !== undefined || (this.#reader?.hasLine ?? false);
  }

  async #fetch(): Promise<InputLine | null> {
    for (;;) {
      if (!this.#reader) {
        const f = this.#files.shift();
        if (f === undefined) return null;
        const fd = await openInput(this.#ctx.sys, f);
        if (isErrno(fd)) {
          await this.#ctx.fail(`can't read ${f}`, fd, 2);
          continue;
        }
        this.#fd = fd;
        this.#reader = new LineReader(this.#ctx.sys, fd);
      }
      const line = await this.#reader.next();
      if (line !== null) {
        return { line, nl: this.#reader.lastHadNewline || this.#files.length > 0 };
      }
      if (this.#fd !== 0) this.#ctx.sys.close(this.#fd);
      this.#reader = null;
    }
  }

  async next(): Promise<InputLine | null> {
    const got = this.#ahead !== undefined ? this.#ahead : await this.#fetch();
    this.#ahead = undefined;
    return got;
  }

  async more(): Promise<boolean> {
    if (this.#ahead === undefined) this.#ahead = await this.#fetch();
    return this.#ahead !== null;
  }
}

/**
 * Expand a replacement: `&`, `\1`..`\9`, `\n`, `\t`, `\&`, `\\`, and GNU `\U \L \E \u \l`.
 *
 * @param repl Replacement text.
 * @param m The match.
 * @returns The replacement string.
 */
export function expandReplacement(repl: string, m: RegExpExecArray): string {
  let out = "";
  let caseMode: "" | "U" | "L" = "";
  let oneShot: "" | "u" | "l" = "";
  const put = (t: string) => {
    for (const ch of t) {
      let c = caseMode === "U" ? ch.toUpperCase() : caseMode === "L" ? ch.toLowerCase() : ch;
      if (oneShot) {
        c = oneShot === "u" ? c.toUpperCase() : c.toLowerCase();
        oneShot = "";
      }
      out += c;
    }
  };
  for (let i = 0; i < repl.length; i++) {
    const c = repl[i]!;
    if (c === "&") put(m[0]);
    else if (c === "\\" && i + 1 < repl.length) {
      const n = repl[++i]!;
      if (/[0-9]/.test(n)) put(m[Number(n)] ?? "");
      else if (n === "n") put("\n");
      else if (n === "t") put("\t");
      else if (n === "U" || n === "L") caseMode = n;
      else if (n === "E") caseMode = "";
      else if (n === "u" || n === "l") oneShot = n;
      else put(n);
    } else put(c);
  }
  return out;
}

class Quit {
  constructor(readonly code: number) {}
}

/**
 * Run a parsed script over lines.
 *
 * @param cmds Commands.
 * @param input The lines, as they arrive.
 * @param quiet `-n`.
 * @param readFileText Reads a file for `r` (null when missing).
 * @param state Hold space and line counter carried across files (without `-s`/`-i`).
 * @param heap Where what the script holds (pattern and hold space, output not yet written,
 *   `w` files' text) is declared once it reaches `COUNTED_FROM` characters: the daemon's heap
 *   holds it, so `:a;N;ba` on an endless input meets the container's `memory.max`.
 * @param emit Where output goes as it is made (before each wait for input); without it,
 *   all of it is returned.
 * @returns The output not yet emitted, files written by `w`, and a quit code if `q`/`Q` ran.
 */
async function runSed(
  cmds: Cmd[],
  input: SedLines,
  quiet: boolean,
  readFileText: (path: string) => Promise<string | null>,
  state: {
    hold: string;
    holdNl: boolean;
    holdPieces: number;
    lineNo: number;
    lastRe: RegExp | null;
  },
  heap: HeapMeter,
  emit?: (text: string) => Promise<void>,
): Promise<{ out: string; writes: Map<string, string>; quit: number | null }> {
  let out = "";
  const writes = new Map<string, string>();
  let written = 0; // characters held for `w` files
  // Rope pieces of the spaces, output and `w` files, grown by appending (see `PIECE_BYTES`);
  // the hold space's are in `state`, as it is.
  let patternPieces = 0;
  let outPieces = 0;
  let writePieces = 0;
  const account = (pattern: string) => {
    const chars = pattern.length + state.hold.length + out.length + written;
    if (chars < COUNTED_FROM && heap.held === 0) return;
    const pieces = patternPieces + state.holdPieces + outPieces + writePieces;
    if (!heap.set(charBytes(chars) + pieces * PIECE_BYTES)) {
      throw new SedError("couldn't re-allocate memory");
    }
  };
  // `$` needs to know whether another line follows: only a script that asks reads ahead.
  const needsLast = cmds.some((c) => c.a1?.kind === "last" || c.a2?.kind === "last");
  let atLast = false;
  const lookAhead = async () => {
    if (needsLast) atLast = !(await input.more());
  };
  // Whether the pattern space ends with a newline when written: its line's, as read (only a
  // last line may lack one); h/H/g/G/x carry it between pattern and hold space, as GNU sed.
  let curNl = true;
  const take = async (): Promise<string | null> => {
    const got = await input.next();
    if (got === null) return null;
    curNl = got.nl;
    state.lineNo++;
    await lookAhead();
    return got.line;
  };
  const isLast = () => atLast;
  // As GNU sed: the pattern space of a line that lacked its newline is written without one,
  // and the next output, if any, writes that newline first.
  let missingNl = false;
  const put = (text: string) => {
    if (text === "") return;
    if (missingNl) out += "\n";
    missingNl = false;
    out += text;
    if (!emit) outPieces++; // emitted output is let go of at each wait for input
  };
  const putPattern = (text: string) => {
    put(text + (curNl ? "\n" : ""));
    if (!curNl) missingNl = true;
  };
  const matchRe = (re: RegExp | null, text: string): boolean => {
    const r = re ?? state.lastRe;
    if (!r) throw new SedError("no previous regular expression");
    state.lastRe = r;
    r.lastIndex = 0;
    const ok = r.test(text);
    r.lastIndex = 0;
    return ok;
  };
  const matchAddr = (a: Addr, pattern: string): boolean => {
    switch (a.kind) {
      case "line":
        return state.lineNo === a.n;
      case "last":
        return isLast();
      case "re":
        patternPieces = 0; // a match reads the pattern space: V8 flattens its rope
        return matchRe(a.re, pattern);
      case "step":
        return a.step <= 0
          ? state.lineNo === a.first
          : state.lineNo >= a.first && (state.lineNo - a.first) % a.step === 0;
    }
  };
  const selected = (c: Cmd, pattern: string): boolean => {
    let hit: boolean;
    if (!c.a1) hit = true;
    else if (!c.a2) hit = matchAddr(c.a1, pattern);
    else if (c.active) {
      hit = true;
      const a2 = c.a2;
      if (a2.kind === "plus") {
        if (state.lineNo >= c.endLine!) c.active = false;
      } else if (a2.kind === "line") {
        if (state.lineNo >= a2.n) c.active = false;
      } else if (matchAddr(a2, pattern)) c.active = false;
    } else if (matchAddr(c.a1, pattern)) {
      hit = true;
      const a2 = c.a2;
      c.active = true;
      if (a2.kind === "plus") {
        c.endLine = state.lineNo + a2.n;
        if (a2.n === 0) c.active = false;
      } else if (a2.kind === "line" && a2.n <= state.lineNo) c.active = false;
      else if (a2.kind === "last" && isLast()) c.active = false;
    } else hit = false;
    return c.negate ? !hit : hit;
  };
  let quit: number | null = null;
  let pending: string | null = null;
  for (;;) {
    // What the cycles made goes out before a wait for more input.
    if (emit && out !== "" && pending === null && !input.ready) {
      await emit(out);
      out = "";
    }
    let pattern: string;
    patternPieces = 0;
    if (pending !== null) {
      pattern = pending;
      pending = null;
    } else {
      const line = await take();
      if (line === null) break;
      pattern = line;
    }
    const appendQueue: string[] = [];
    let autoprint = !quiet;
    let tflag = false;
    let pc = 0;
    let restart = false;
    try {
      while (pc < cmds.length) {
        const c = cmds[pc]!;
        if (c.name === "}" || c.name === ":") {
          pc++;
          continue;
        }
        if (!selected(c, pattern)) {
          pc = c.name === "{" ? c.jump! + 1 : pc + 1;
          continue;
        }
        switch (c.name) {
          case "{":
            break;
          case "s": {
            const re = c.re ?? state.lastRe;
            if (!re) throw new SedError("no previous regular expression");
            state.lastRe = re;
            const g = new RegExp(re.source, re.flags.includes("g") ? re.flags : re.flags + "g");
            let n = 0;
            let did = false;
            let result = "";
            let last = 0;
            for (let m = g.exec(pattern); m; m = g.exec(pattern)) {
              n++;
              if ((c.nth === undefined || n >= c.nth) && (c.global || n === (c.nth ?? 1))) {
                result += pattern.slice(last, m.index) + expandReplacement(c.repl!, m);
                last = m.index + m[0].length;
                did = true;
                if (!c.global) break;
              }
              if (m[0] === "") g.lastIndex++;
            }
            if (!did) patternPieces = 0; // the search flattened it
            if (did) {
              pattern = result + pattern.slice(last);
              patternPieces = 2 * n + 1; // the match flattened the old one
              tflag = true;
              if (c.print) putPattern(pattern);
              if (c.wfile) {
                writes.set(c.wfile, (writes.get(c.wfile) ?? "") + pattern + "\n");
                written += pattern.length + 1;
                writePieces += 2;
              }
            }
            break;
          }
          case "y":
            pattern = [...pattern].map((ch) => c.map!.get(ch) ?? ch).join("");
            patternPieces = 0;
            break;
          case "p":
            putPattern(pattern);
            break;
          case "P":
            if (pattern.includes("\n")) put(pattern.slice(0, pattern.indexOf("\n") + 1));
            else putPattern(pattern);
            break;
          case "=":
            put(`${state.lineNo}\n`);
            break;
          case "l":
            put(
              pattern.replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n") + "$\n",
            );
            break;
          case "d":
            autoprint = false;
            pc = cmds.length;
            continue;
          case "D": {
            const nl = pattern.indexOf("\n");
            if (nl < 0) {
              autoprint = false;
              pc = cmds.length;
              continue;
            }
            pending = pattern.slice(nl + 1);
            autoprint = false;
            restart = true;
            pc = cmds.length;
            continue;
          }
          case "n": {
            if (!(await input.more())) {
              if (!quiet) putPattern(pattern);
              autoprint = false;
              throw new Quit(-1);
            }
            if (!quiet) putPattern(pattern);
            pattern = (await take())!;
            patternPieces = 0;
            break;
          }
          case "N": {
            if (!(await input.more())) {
              if (!quiet) putPattern(pattern);
              autoprint = false;
              throw new Quit(-1);
            }
            pattern += "\n" + (await take())!;
            patternPieces += 2;
            break;
          }
          case "a":
            appendQueue.push(c.text! + "\n");
            break;
          case "i":
            put(c.text! + "\n");
            break;
          case "c":
            if (!c.a2 || !c.active) put(c.text! + "\n");
            autoprint = false;
            pc = cmds.length;
            continue;
          case "r": {
            const t = await readFileText(c.text!);
            if (t !== null) appendQueue.push(t.endsWith("\n") || t === "" ? t : t + "\n");
            break;
          }
          case "w":
            writes.set(c.text!, (writes.get(c.text!) ?? "") + pattern + "\n");
            written += pattern.length + 1;
            writePieces += 2;
            break;
          case "h":
            state.hold = pattern;
            state.holdNl = curNl;
            state.holdPieces = patternPieces;
            break;
          case "H":
            state.hold += "\n" + pattern;
            state.holdPieces += 2;
            state.holdNl = curNl;
            break;
          case "g":
            pattern = state.hold;
            curNl = state.holdNl;
            patternPieces = state.holdPieces;
            break;
          case "G":
            pattern += "\n" + state.hold;
            patternPieces += 2;
            curNl = state.holdNl;
            break;
          case "x":
            [pattern, state.hold] = [state.hold, pattern];
            [curNl, state.holdNl] = [state.holdNl, curNl];
            [patternPieces, state.holdPieces] = [state.holdPieces, patternPieces];
            break;
          case "z":
            pattern = "";
            patternPieces = 0;
            break;
          case "b":
            pc = c.jump!;
            continue;
          case "t":
          case "T":
            if (tflag === (c.name === "t")) {
              tflag = false;
              pc = c.jump!;
              continue;
            }
            break;
          case "q":
            if (autoprint) putPattern(pattern);
            put(appendQueue.join(""));
            // GNU sed ends with the newline a last line lacked when it quits with q.
            if (missingNl) out += "\n";
            missingNl = false;
            throw new Quit(c.code ?? 0);
          case "Q":
            throw new Quit(c.code ?? 0);
        }
        account(pattern);
        pc++;
      }
    } catch (e) {
      if (!(e instanceof Quit)) throw e;
      quit = e.code < 0 ? null : e.code;
      if (e.code < 0) put(appendQueue.join(""));
      return { out, writes, quit: quit ?? 0 };
    }
    if (autoprint) putPattern(pattern);
    put(appendQueue.join(""));
    account(pending ?? "");
    if (restart) continue;
  }
  return { out, writes, quit };
}

/**
 * The `sed` applet.
 *
 * @example
 * ```ts ignore
 * await sed(sys, ["sed", "-i", "s/foo/bar/g", "/etc/app.conf"]);
 * ```
 */
export const sed = applet({
  name: "sed",
  usage:
    "sed [-i[SFX]] [-nrE] [-f FILE]... [-e CMD]... [FILE]...\nor: sed [-i[SFX]] [-nrE] CMD [FILE]...\n\n" +
    "\t-e CMD\tAdd CMD to sed commands to be executed\n\t-f FILE\tAdd FILE contents to sed commands to be executed\n" +
    "\t-i[SFX]\tEdit files in-place (otherwise write to stdout)\n\t\tSave original file contents with SFX suffix\n" +
    "\t-n\tSuppress automatic printing of pattern space\n\t-r,-E\tUse extended regex syntax\n\t-s\tTreat files separately",
  raw: true,
  async run(ctx, raw) {
    // -i takes an optional attached suffix (-i.bak), which getopt cannot express.
    let inPlace: string | null = null;
    const rest: string[] = [];
    let ended = false;
    for (const a of raw.operands) {
      if (!ended && a === "--") ended = true;
      const m = ended ? null : /^(?:-i|--in-place=?)(.*)$/.exec(a);
      if (m) inPlace = m[1]!;
      else rest.push(a);
    }
    const parsed = parseOpts(rest, {
      flags: "nrEsuz",
      withArg: "ef",
      long: {
        quiet: "n",
        silent: "n",
        "regexp-extended": "E",
        separate: "s",
        "expression=": "e",
        "file=": "f",
        "null-data": "z",
      },
    });
    if ("error" in parsed) {
      await ctx.usageError(parsed.error);
      return 1;
    }
    const opts = parsed;
    const ops = [...opts.operands];
    let script = opts.all("e").join("\n");
    for (const f of opts.all("f")) {
      const t = await readText(ctx.sys, f);
      if (isErrno(t)) {
        await ctx.fail(`couldn't open file ${f}`, t);
        return 1;
      }
      script += (script ? "\n" : "") + t;
    }
    if (!opts.has("e") && !opts.has("f")) {
      const s = ops.shift();
      if (s === undefined) {
        await ctx.usageError("no script specified");
        return 1;
      }
      script = s;
    }
    let cmds: Cmd[];
    try {
      cmds = parseSed(script, opts.has("E") || opts.has("r"));
    } catch (e) {
      if (!(e instanceof SedError) && !(e instanceof RegexError)) throw e;
      await ctx.error(e.message);
      return 1;
    }
    return await execute(ctx, cmds, ops, opts.has("n"), inPlace, opts.has("s"));
  },
});

async function execute(
  ctx: Ctx,
  cmds: Cmd[],
  files: string[],
  quiet: boolean,
  inPlace: string | null,
  separate: boolean,
): Promise<number> {
  const readFileText = async (p: string) => {
    const t = await readText(ctx.sys, p);
    return isErrno(t) ? null : t;
  };
  const state = {
    hold: "",
    holdNl: true,
    holdPieces: 0,
    lineNo: 0,
    lastRe: null as RegExp | null,
  };
  const heap = new HeapMeter(ctx.sys);
  const flushWrites = async (w: Map<string, string>) => {
    for (const [f, t] of w) await writeFile(ctx.sys, f, t);
  };
  try {
    if (inPlace !== null || separate) {
      if (files.length === 0) {
        await ctx.error("no input files");
        return 1;
      }
      for (const f of files) {
        const data = await readFile(ctx.sys, f);
        if (isErrno(data)) {
          await ctx.fail(`can't read ${f}`, data, 2);
          continue;
        }
        for (const c of cmds) c.active = false;
        if (inPlace !== null) state.lineNo = 0;
        const r = await runSed(
          cmds,
          textLines(new TextDecoder().decode(data)),
          quiet,
          readFileText,
          state,
          heap,
        );
        await flushWrites(r.writes);
        if (inPlace !== null) {
          if (inPlace) {
            await writeFile(
              ctx.sys,
              inPlace.includes("*") ? inPlace.replace("*", f) : f + inPlace,
              data,
            );
          }
          const w = await writeFile(ctx.sys, f, r.out);
          if (w) await ctx.fail(`couldn't edit ${f}`, w, 4);
        } else await ctx.out.write(r.out);
        if (r.quit !== null) return r.quit;
      }
      return ctx.status;
    }
    // Without -i/-s, the inputs are one stream, read as it arrives.
    const emit = async (text: string) => {
      await ctx.out.write(text);
      await ctx.out.flush();
    };
    const input = new StreamLines(ctx, files.length ? files : ["-"]);
    const r = await runSed(cmds, input, quiet, readFileText, state, heap, emit);
    await flushWrites(r.writes);
    await ctx.out.write(r.out);
    return r.quit ?? ctx.status;
  } catch (e) {
    if (!(e instanceof SedError)) throw e;
    await ctx.error(e.message);
    return 1;
  } finally {
    heap.close();
  }
}
