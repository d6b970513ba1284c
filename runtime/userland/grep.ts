/**
 * `grep [-EFivnclLqsrRhHwxo] [-e PAT]... [-f FILE] [-A N] [-B N] [-C N] [PATTERN] [FILE]...`:
 * print lines matching a POSIX regular expression (BRE by default, ERE with -E).
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import { applet } from "./_applet.ts";
import type { Ctx } from "./_applet.ts";
import { isDir, joinPath, listDir, lstat, stat } from "./_fs.ts";
import { LineReader, openInput, readText } from "./_io.ts";
import { compileRegex, RegexError } from "./_regex.ts";
import { matchGlob } from "./_glob.ts";

interface Settings {
  regexes: RegExp[];
  invert: boolean;
  count: boolean;
  listMatch: boolean;
  listNoMatch: boolean;
  quiet: boolean;
  number: boolean;
  onlyMatching: boolean;
  showName: boolean;
  after: number;
  before: number;
  include: string[];
  exclude: string[];
}

/**
 * The `grep` applet: exit 0 when a line matched, 1 when none did, 2 on an error (unless
 * `-q` matched).
 *
 * @example
 * ```ts ignore
 * await grep(sys, ["grep", "-rn", "TODO", "/src"]);
 * ```
 */
export const grep = applet({
  name: "grep",
  usage:
    "grep [-HhnlLoqvsrRiwFEx] [-m N] [-A|B|C N] { PATTERN | -e PATTERN... | -f FILE... } [FILE]...\n\n" +
    "Search for PATTERN in FILEs (or stdin)\n\n\t-H\tAdd 'filename:' prefix\n\t-h\tDo not add 'filename:' prefix\n\t-n\tAdd 'line_no:' prefix\n" +
    "\t-l\tShow only names of files that match\n\t-L\tShow only names of files that don't match\n\t-c\tShow only count of matching lines\n" +
    "\t-o\tShow only the matching part of line\n\t-q\tQuiet. Return 0 if PATTERN is found, 1 otherwise\n\t-v\tSelect non-matching lines\n" +
    "\t-s\tSuppress open and read errors\n\t-r\tRecurse\n\t-R\tRecurse and dereference symlinks\n\t-i\tIgnore case\n" +
    "\t-w\tMatch whole words only\n\t-x\tMatch whole lines only\n\t-F\tPATTERN is a literal (not regexp)\n\t-E\tPATTERN is an extended regexp\n" +
    "\t-m N\tMatch up to N times per file\n\t-A N\tPrint N lines of trailing context\n\t-B N\tPrint N lines of leading context\n\t-C N\tSame as '-A N -B N'\n" +
    "\t-e PTRN\tPattern to match\n\t-f FILE\tRead pattern from file",
  usageStatus: 2,
  spec: {
    flags: "EFGivnclLqsrRhHwxoyaIZz",
    withArg: "efmABC",
    long: {
      "extended-regexp": "E",
      "fixed-strings": "F",
      "basic-regexp": "G",
      "ignore-case": "i",
      "invert-match": "v",
      "line-number": "n",
      count: "c",
      "files-with-matches": "l",
      "files-without-match": "L",
      quiet: "q",
      silent: "q",
      "no-messages": "s",
      recursive: "r",
      "dereference-recursive": "R",
      "no-filename": "h",
      "with-filename": "H",
      "word-regexp": "w",
      "line-regexp": "x",
      "only-matching": "o",
      "regexp=": "e",
      "file=": "f",
      "max-count=": "m",
      "after-context=": "A",
      "before-context=": "B",
      "context=": "C",
      "include=": "include",
      "exclude=": "exclude",
      "exclude-dir=": "exclude-dir",
    },
  },
  async run(ctx, opts) {
    const ops = [...opts.operands];
    let patterns = opts.all("e").flatMap((p) => p.split("\n"));
    for (const f of opts.all("f")) {
      const t = await readText(ctx.sys, f);
      if (isErrno(t)) {
        await ctx.fail(f, t, 2);
        return 2;
      }
      patterns.push(...t.replace(/\n$/, "").split("\n"));
    }
    if (!opts.has("e") && !opts.has("f")) {
      const p = ops.shift();
      if (p === undefined) {
        await ctx.usageError("Usage: grep [OPTION]... PATTERNS [FILE]...");
        return 2;
      }
      patterns = p.split("\n");
    }
    const fixed = opts.has("F");
    const extended = opts.has("E");
    const regexes: RegExp[] = [];
    try {
      for (let p of patterns) {
        if (!fixed && !extended && opts.has("w")) p = `\\<\\(${p}\\)\\>`;
        let src =
          compileRegex(p, { extended, fixed, ignoreCase: opts.has("i") || opts.has("y") }).source;
        if ((fixed || extended) && opts.has("w")) src = `(?<![\\w])(?:${src})(?![\\w])`;
        if (opts.has("x")) src = `^(?:${src})$`;
        regexes.push(new RegExp(src, opts.has("i") || opts.has("y") ? "gi" : "g"));
      }
    } catch (e) {
      if (!(e instanceof RegexError)) throw e;
      await ctx.error(e.message);
      return 2;
    }
    const recursive = opts.has("r") || opts.has("R");
    const files = ops.length ? ops : [recursive ? "." : "-"];
    const ctxN = opts.has("C") ? Number(opts.get("C")) : 0;
    const s: Settings = {
      regexes,
      invert: opts.has("v"),
      count: opts.has("c"),
      listMatch: opts.has("l"),
      listNoMatch: opts.has("L"),
      quiet: opts.has("q"),
      number: opts.has("n"),
      onlyMatching: opts.has("o"),
      showName: opts.has("H") || (!opts.has("h") && (files.length > 1 || recursive)),
      after: opts.has("A") ? Number(opts.get("A")) : ctxN,
      before: opts.has("B") ? Number(opts.get("B")) : ctxN,
      include: opts.all("include"),
      exclude: opts.all("exclude"),
    };
    const max = opts.has("m") ? Number(opts.get("m")) : Infinity;
    let matched = false;
    let error = false;
    const visit = async (path: string, top: boolean): Promise<boolean> => {
      if (path !== "-") {
        const st = top || opts.has("R") ? stat(ctx.sys, path) : lstat(ctx.sys, path);
        if (isErrno(st)) {
          if (!opts.has("s")) await ctx.fail(path, st, 2);
          error = true;
          return false;
        }
        if (isDir(st.mode)) {
          if (!recursive) {
            if (!opts.has("s")) await ctx.error(`${path}: Is a directory`);
            return false;
          }
          if (!top && opts.all("exclude-dir").some((g) => matchGlob(g, path.split("/").pop()!))) {
            return false;
          }
          const list = await listDir(ctx.sys, path);
          if (isErrno(list)) {
            if (!opts.has("s")) await ctx.fail(path, list, 2);
            error = true;
            return false;
          }
          list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
          for (const e of list) {
            if (e.type === 10 && !opts.has("R")) continue;
            if (await visit(path === "." && !ops.length ? e.name : joinPath(path, e.name), false)) {
              if (s.quiet) return true;
            }
          }
          return false;
        }
        if (!top || recursive) {
          const base = path.split("/").pop()!;
          if (s.include.length && !s.include.some((g) => matchGlob(g, base))) return false;
          if (s.exclude.some((g) => matchGlob(g, base))) return false;
        }
      }
      const r = await grepFile(ctx, path, s, max);
      if (r === null) {
        error = true;
        return false;
      }
      if (r) matched = true;
      return r;
    };
    for (const f of files) {
      if ((await visit(f, true)) && s.quiet) return 0;
    }
    await ctx.out.flush();
    if (error && !(s.quiet && matched)) return 2;
    return matched ? 0 : 1;
  },
});

/**
 * Search one input line by line as it arrives: `yes | grep y | head -n 1` ends, `tail -f
 * log | grep x` prints as lines come, and memory stays at the context kept (`-B`).
 */
async function grepFile(ctx: Ctx, path: string, s: Settings, max: number): Promise<boolean | null> {
  const fd = await openInput(ctx.sys, path);
  if (isErrno(fd)) {
    await ctx.fail(path, fd, 2);
    return null;
  }
  const reader = new LineReader(ctx.sys, fd);
  try {
    return await grepLines(ctx, reader, path === "-" ? "(standard input)" : path, s, max);
  } finally {
    if (fd !== 0) ctx.sys.close(fd);
  }
}

async function grepLines(
  ctx: Ctx,
  reader: LineReader,
  name: string,
  s: Settings,
  max: number,
): Promise<boolean | null> {
  let count = 0;
  let out = "";
  let lastPrinted = -1;
  let afterLeft = 0;
  const prefix = (i: number, sep: string) =>
    (s.showName ? name + sep : "") + (s.number ? `${i + 1}${sep}` : "");
  const context = s.after > 0 || s.before > 0;
  const printing = !s.count && !s.listMatch && !s.listNoMatch && !s.quiet;
  // Lines not printed yet that a later match may show as leading context.
  const behind: { i: number; line: string }[] = [];
  // What is found goes out before each wait for input.
  const emit = async () => {
    if (out === "") return;
    await ctx.out.write(out);
    await ctx.out.flush();
    out = "";
  };
  // After the -m'th match, only its trailing context is read (as GNU grep does).
  for (let i = 0; count < max || (afterLeft > 0 && printing); i++) {
    const line = reader.nextBuffered() ?? await reader.next(emit);
    if (line === null) break;
    if (count >= max) {
      out += prefix(i, "-") + line + "\n";
      afterLeft--;
      continue;
    }
    let hit = false;
    for (const re of s.regexes) {
      re.lastIndex = 0;
      if (re.test(line)) {
        hit = true;
        break;
      }
    }
    if (hit === s.invert) {
      if (afterLeft > 0 && printing) {
        out += prefix(i, "-") + line + "\n";
        lastPrinted = i;
        afterLeft--;
      } else if (s.before > 0) {
        behind.push({ i, line });
        if (behind.length > s.before) behind.shift();
      }
      continue;
    }
    count++;
    if (s.quiet) return true;
    if (!printing) continue;
    if (context) {
      const shown = behind.filter((b) => b.i > lastPrinted && b.i >= i - s.before);
      const from = shown[0]?.i ?? i;
      if (lastPrinted >= 0 && from > lastPrinted + 1) out += "--\n";
      for (const b of shown) out += prefix(b.i, "-") + b.line + "\n";
      behind.length = 0;
      afterLeft = s.after;
    }
    lastPrinted = i;
    if (s.onlyMatching && !s.invert) {
      for (const re of s.regexes) {
        re.lastIndex = 0;
        for (const m of line.matchAll(re)) if (m[0] !== "") out += prefix(i, ":") + m[0] + "\n";
      }
    } else out += prefix(i, ":") + line + "\n";
    if (out.length > 65536) {
      await ctx.out.write(out);
      out = "";
    }
  }
  if (reader.error) {
    await ctx.out.write(out);
    await ctx.fail(name, reader.error, 2);
    return null;
  }
  if (s.count) out += (s.showName ? name + ":" : "") + count + "\n";
  if (s.listMatch && count > 0) out += name + "\n";
  if (s.listNoMatch && count === 0) out += name + "\n";
  await ctx.out.write(out);
  return s.listNoMatch ? count === 0 : count > 0;
}

/**
 * `egrep`: `grep -E`.
 *
 * @example
 * ```ts ignore
 * await egrep(sys, ["egrep", "a|b"]);
 * ```
 */
export const egrep: typeof grep = (sys, argv) =>
  grep(sys, [argv[0] ?? "egrep", "-E", ...argv.slice(1)]);

/**
 * `fgrep`: `grep -F`.
 *
 * @example
 * ```ts ignore
 * await fgrep(sys, ["fgrep", "a.b"]);
 * ```
 */
export const fgrep: typeof grep = (sys, argv) =>
  grep(sys, [argv[0] ?? "fgrep", "-F", ...argv.slice(1)]);
