/**
 * `find [-L] [PATH]... [EXPRESSION]`: walk directory trees evaluating an expression of
 * tests (`-name -iname -path -type -size -empty -newer -mtime -perm -user -maxdepth
 * -mindepth`), actions (`-print -print0 -exec ... ; -exec ... + -delete -prune -quit`) and
 * operators (`! -not -a -and -o -or ( )`).
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import type { Stat } from "../kernel/syscalls/api.ts";
import { applet } from "./_applet.ts";
import type { Ctx } from "./_applet.ts";
import { isDir, joinPath, listDir, lstat, stat } from "./_fs.ts";
import { matchGlob } from "./_glob.ts";
import { spawnAndWait } from "./_exec.ts";
import { readNameDb } from "./_format.ts";

interface TestNode {
  op: "test";
  name: string;
  arg?: string;
  args?: string[];
  batch?: string[][];
}

type Node =
  | { op: "and" | "or"; left: Node; right: Node }
  | { op: "not"; expr: Node }
  | TestNode;

interface Entry {
  path: string;
  st: Stat;
  depth: number;
}

class FindError extends Error {}

const TESTS_WITH_ARG = new Set([
  "-name",
  "-iname",
  "-path",
  "-wholename",
  "-ipath",
  "-type",
  "-size",
  "-newer",
  "-mtime",
  "-mmin",
  "-perm",
  "-user",
  "-group",
  "-uid",
  "-gid",
  "-maxdepth",
  "-mindepth",
  "-links",
  "-inum",
  "-regex",
]);
const NOARG = new Set([
  "-print",
  "-print0",
  "-delete",
  "-prune",
  "-quit",
  "-empty",
  "-true",
  "-false",
  "-depth",
  "-xdev",
  "-follow",
  "-ls",
]);

function parse(tokens: string[]): { expr: Node | null; globals: Map<string, string> } {
  let i = 0;
  const globals = new Map<string, string>();
  const primary = (): Node => {
    const t = tokens[i];
    if (t === undefined) throw new FindError("expected an expression");
    if (t === "(") {
      i++;
      const e = or();
      if (tokens[i] !== ")") {
        throw new FindError(
          "invalid expression; I was expecting to find a ')' somewhere but did not see one.",
        );
      }
      i++;
      return e;
    }
    if (t === "!" || t === "-not") {
      i++;
      return { op: "not", expr: primary() };
    }
    i++;
    if (t === "-exec" || t === "-execdir" || t === "-ok") {
      const args: string[] = [];
      while (
        i < tokens.length && tokens[i] !== ";" && !(tokens[i] === "+" && tokens[i - 1] === "{}")
      ) args.push(tokens[i++]!);
      if (i >= tokens.length) throw new FindError(`missing argument to \`${t}'`);
      const plus = tokens[i++] === "+";
      if (args.length === 0) throw new FindError(`missing argument to \`${t}'`);
      return { op: "test", name: plus ? "-exec+" : "-exec", args, batch: plus ? [] : undefined };
    }
    if (TESTS_WITH_ARG.has(t)) {
      const arg = tokens[i++];
      if (arg === undefined) throw new FindError(`missing argument to \`${t}'`);
      if (t === "-maxdepth" || t === "-mindepth") {
        if (!/^\d+$/.test(arg)) {
          throw new FindError(
            `Expected a positive decimal integer argument to ${t}, but got \`${arg}'`,
          );
        }
        globals.set(t, arg);
        return { op: "test", name: "-true" };
      }
      if (t === "-type" && !/^[fdlpscb](,[fdlpscb])*$/.test(arg)) {
        throw new FindError(`Unknown argument to -type: ${arg}`);
      }
      return { op: "test", name: t, arg };
    }
    if (NOARG.has(t)) {
      if (t === "-depth" || t === "-xdev" || t === "-follow") {
        globals.set(t, "");
        return { op: "test", name: "-true" };
      }
      return { op: "test", name: t };
    }
    throw new FindError(
      t.startsWith("-") ? `unknown predicate \`${t}'` : `paths must precede expression: \`${t}'`,
    );
  };
  const and = (): Node => {
    let left = primary();
    while (
      i < tokens.length && tokens[i] !== ")" && tokens[i] !== "-o" && tokens[i] !== "-or" &&
      tokens[i] !== ","
    ) {
      if (tokens[i] === "-a" || tokens[i] === "-and") i++;
      left = { op: "and", left, right: primary() };
    }
    return left;
  };
  const or = (): Node => {
    let left = and();
    while (tokens[i] === "-o" || tokens[i] === "-or") {
      i++;
      left = { op: "or", left, right: and() };
    }
    return left;
  };
  if (tokens.length === 0) return { expr: null, globals };
  const expr = or();
  if (i < tokens.length) throw new FindError(`unexpected \`${tokens[i]}'`);
  return { expr, globals };
}

function hasAction(n: Node | null): boolean {
  if (!n) return false;
  if (n.op === "test") {
    return ["-print", "-print0", "-exec", "-exec+", "-delete", "-ls", "-quit"].includes(n.name);
  }
  if (n.op === "not") return hasAction(n.expr);
  return hasAction(n.left) || hasAction(n.right);
}

function typeChar(mode: number): string {
  return ({
    0o040000: "d",
    0o100000: "f",
    0o120000: "l",
    0o010000: "p",
    0o140000: "s",
    0o020000: "c",
    0o060000: "b",
  } as Record<number, string>)[mode & 0o170000] ?? "?";
}

function sizeTest(arg: string, size: number): boolean {
  const m = /^([+-]?)(\d+)([bckwMG]?)$/.exec(arg);
  if (!m) throw new FindError(`invalid argument \`${arg}' to \`-size'`);
  const unit = { "": 512, b: 512, c: 1, w: 2, k: 1024, M: 1048576, G: 1073741824 }[m[3] as "c"]!;
  const n = Number(m[2]);
  const units = Math.ceil(size / unit);
  return m[1] === "+" ? units > n : m[1] === "-" ? units < n : units === n;
}

function numCompare(arg: string, v: number): boolean {
  const n = Number(arg.replace(/^[+-]/, ""));
  return arg.startsWith("+") ? v > n : arg.startsWith("-") ? v < n : v === n;
}

/**
 * The `find` applet.
 *
 * @example
 * ```ts ignore
 * await find(sys, ["find", "/src", "-name", "*.ts", "-type", "f"]);
 * ```
 */
export const find = applet({
  name: "find",
  usage:
    "find [-HL] [PATH]... [OPTIONS] [ACTIONS]\n\nSearch for files and perform actions on them.\n" +
    "First failed action stops processing of current file.\nDefaults: PATH is current directory, action is '-print'\n\n" +
    "\t-L,-follow\tFollow symlinks\n\t-maxdepth N\tDescend at most N levels\n\t-mindepth N\tDon't act on first N levels\n" +
    "\t-depth\t\tAct on directory after traversing it\n\t-name PATTERN\tMatch file name (w/o directory name) to PATTERN\n" +
    "\t-iname PATTERN\tCase insensitive -name\n\t-path PATTERN\tMatch path to PATTERN\n\t-type X\t\tFile type is X (one of: f,d,l,b,c,s,p)\n" +
    "\t-size N[bck]\tFile size is N\n\t-empty\t\tMatch empty file/directory\n\t-newer FILE\tMtime is more recent than FILE's\n" +
    "\t-mtime DAYS\tMtime is greater than (+N), less than (-N), or exactly N days in the past\n\t-perm MASK\tAt least one mask bit (+MASK), all bits (-MASK), or exactly MASK bits\n" +
    "\t-user NAME/ID\tFile is owned by given user\n\t-print\t\tPrint file name\n\t-print0\t\tPrint file name, NUL terminated\n" +
    "\t-exec CMD ARG ;\tRun CMD with all instances of {} replaced by file name. Fails if CMD exits with nonzero\n" +
    "\t-exec CMD ARG + Run CMD with {} replaced by list of file names\n\t-delete\t\tDelete current file/directory\n" +
    "\t-prune\t\tIf current file is directory, don't descend into it\n\t-quit\t\tExit",
  raw: true,
  async run(ctx, opts) {
    let args = opts.operands;
    let follow = false;
    while (args[0] === "-L" || args[0] === "-H" || args[0] === "-P") {
      follow = args[0] === "-L";
      args = args.slice(1);
    }
    let k = 0;
    while (k < args.length && !/^[-!(]/.test(args[k]!) || args[k] === "-") k++;
    const paths = args.slice(0, k);
    let parsed: ReturnType<typeof parse>;
    try {
      parsed = parse(args.slice(k));
    } catch (e) {
      if (!(e instanceof FindError)) throw e;
      await ctx.error(e.message);
      return 1;
    }
    if (parsed.globals.has("-follow")) follow = true;
    const expr = parsed.expr;
    const print = !hasAction(expr);
    const maxDepth = parsed.globals.has("-maxdepth")
      ? Number(parsed.globals.get("-maxdepth"))
      : Infinity;
    const minDepth = parsed.globals.has("-mindepth") ? Number(parsed.globals.get("-mindepth")) : 0;
    const depthFirst = parsed.globals.has("-depth") || containsDelete(expr);
    const users = await readNameDb(ctx.sys, "passwd");
    const groups = await readNameDb(ctx.sys, "group");
    const nowT = ctx.sys.clock_gettime(0);
    const now = isErrno(nowT) ? 0 : nowT.sec;
    let quit = false;
    const newerCache = new Map<string, number>();
    const batches: { node: TestNode; files: string[] }[] = [];

    const evalNode = async (n: Node, e: Entry, prune: { v: boolean }): Promise<boolean> => {
      if (n.op === "and") {
        return (await evalNode(n.left, e, prune)) && (await evalNode(n.right, e, prune));
      }
      if (n.op === "or") {
        return (await evalNode(n.left, e, prune)) || (await evalNode(n.right, e, prune));
      }
      if (n.op === "not") return !(await evalNode(n.expr, e, prune));
      return await evalTest(n as TestNode, e, prune);
    };
    const evalTest = async (n: TestNode, e: Entry, prune: { v: boolean }): Promise<boolean> => {
      const base = e.path === "/" ? "/" : e.path.replace(/\/+$/, "").split("/").pop()!;
      switch (n.name) {
        case "-true":
          return true;
        case "-false":
          return false;
        case "-name":
          return matchGlob(n.arg!, base);
        case "-iname":
          return matchGlob(n.arg!, base, true);
        case "-path":
        case "-wholename":
          return matchGlob(n.arg!, e.path);
        case "-ipath":
          return matchGlob(n.arg!, e.path, true);
        case "-regex":
          return new RegExp(`^(?:${n.arg})$`).test(e.path);
        case "-type":
          return n.arg!.split(",").includes(typeChar(e.st.mode));
        case "-size":
          return sizeTest(n.arg!, e.st.size);
        case "-empty":
          if (isDir(e.st.mode)) {
            const l = await listDir(ctx.sys, e.path);
            return !isErrno(l) && l.length === 0;
          }
          return (e.st.mode & 0o170000) === 0o100000 && e.st.size === 0;
        case "-newer": {
          let t = newerCache.get(n.arg!);
          if (t === undefined) {
            const s = stat(ctx.sys, n.arg!);
            if (isErrno(s)) throw new FindError(`'${n.arg}': No such file or directory`);
            t = s.mtime.sec * 1e9 + s.mtime.nsec;
            newerCache.set(n.arg!, t);
          }
          return e.st.mtime.sec * 1e9 + e.st.mtime.nsec > t;
        }
        case "-mtime":
          return numCompare(n.arg!, Math.floor((now - e.st.mtime.sec) / 86400));
        case "-mmin":
          return numCompare(n.arg!, Math.ceil((now - e.st.mtime.sec) / 60));
        case "-perm": {
          const a = n.arg!;
          const m = Number.parseInt(a.replace(/^[-/+]/, ""), 8);
          const bits = e.st.mode & 0o7777;
          if (a.startsWith("-")) return (bits & m) === m;
          if (a.startsWith("/") || a.startsWith("+")) return m === 0 || (bits & m) !== 0;
          return bits === m;
        }
        case "-user":
          return e.st.uid === (/^\d+$/.test(n.arg!) ? Number(n.arg) : users.byName.get(n.arg!));
        case "-group":
          return e.st.gid === (/^\d+$/.test(n.arg!) ? Number(n.arg) : groups.byName.get(n.arg!));
        case "-uid":
          return numCompare(n.arg!, e.st.uid);
        case "-gid":
          return numCompare(n.arg!, e.st.gid);
        case "-links":
          return numCompare(n.arg!, e.st.nlink);
        case "-inum":
          return numCompare(n.arg!, e.st.ino);
        case "-print":
          await ctx.out.write(e.path + "\n");
          return true;
        case "-print0":
          await ctx.out.write(e.path + "\0");
          return true;
        case "-ls":
          await ctx.out.write(`${e.st.ino} ${Math.ceil(e.st.blocks / 2)} ${e.path}\n`);
          return true;
        case "-prune":
          prune.v = true;
          return true;
        case "-quit":
          quit = true;
          return true;
        case "-delete": {
          const r = ctx.sys.unlinkat(-100, e.path, isDir(e.st.mode) ? 0x200 : 0);
          if (isErrno(r)) {
            await ctx.fail(`cannot delete '${e.path}'`, r);
            return false;
          }
          return true;
        }
        case "-exec": {
          await ctx.out.flush();
          const argv = n.args!.map((a) => a.replaceAll("{}", e.path));
          const r = await spawnAndWait(ctx.sys, { path: argv[0]!, argv });
          if (!r.ok) {
            await ctx.fail(`'${argv[0]}'`, r.errno);
            return false;
          }
          return r.exitCode === 0;
        }
        case "-exec+": {
          let b = batches.find((x) => x.node === n);
          if (!b) batches.push(b = { node: n, files: [] });
          b.files.push(e.path);
          if (b.files.length >= 1000) await runBatch(ctx, b);
          return true;
        }
      }
      return false;
    };

    const visit = async (path: string, depth: number, top: boolean): Promise<void> => {
      if (quit) return;
      let st = follow || top ? stat(ctx.sys, path) : lstat(ctx.sys, path);
      if (isErrno(st) && (follow || top)) {
        const l = lstat(ctx.sys, path);
        if (!isErrno(l)) st = l;
      }
      if (isErrno(st)) {
        await ctx.fail(`'${path}'`, st);
        return;
      }
      const e: Entry = { path, st, depth };
      const prune = { v: false };
      const act = async () => {
        if (depth < minDepth) return;
        const ok = expr ? await evalNode(expr, e, prune) : true;
        if (ok && print) await ctx.out.write(path + "\n");
      };
      if (!depthFirst) await act();
      if (isDir(st.mode) && depth < maxDepth && !prune.v && !quit) {
        const list = await listDir(ctx.sys, path);
        if (isErrno(list)) await ctx.fail(`'${path}'`, list);
        else {for (const d of list) {
            await visit(joinPath(path, d.name).replace(/^\.\/\.\//, "./"), depth + 1, false);
          }}
      }
      if (depthFirst) await act();
    };
    for (const p of paths.length ? paths : ["."]) {
      try {
        await visit(p, 0, true);
      } catch (e) {
        if (!(e instanceof FindError)) throw e;
        await ctx.error(e.message);
        return 1;
      }
    }
    for (const b of batches) if (b.files.length) await runBatch(ctx, b);
    return ctx.status;
  },
});

function containsDelete(n: Node | null): boolean {
  if (!n) return false;
  if (n.op === "test") return n.name === "-delete";
  if (n.op === "not") return containsDelete(n.expr);
  return containsDelete(n.left) || containsDelete(n.right);
}

async function runBatch(
  ctx: Ctx,
  b: { node: Node & { op: "test" }; files: string[] },
): Promise<void> {
  await ctx.out.flush();
  const argv: string[] = [];
  for (const a of b.node.args!) {
    if (a === "{}") argv.push(...b.files);
    else argv.push(a);
  }
  b.files = [];
  const r = await spawnAndWait(ctx.sys, { path: argv[0]!, argv });
  if (!r.ok) await ctx.fail(`'${argv[0]}'`, r.errno);
  else if (r.exitCode !== 0) ctx.status = 1;
}
