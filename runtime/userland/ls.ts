/**
 * `ls [-1aAdFhilnRrSt] [FILE]...`: list directory contents, as GNU ls/BusyBox print them.
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import type { Stat } from "../kernel/syscalls/api.ts";
import { applet } from "./_applet.ts";
import type { Ctx } from "./_applet.ts";
import type { Opts } from "./_args.ts";
import { compareC, isDir, isLink, joinPath, listDir, lstat, stat } from "./_fs.ts";
import { humanSize, lsTime, modeString, readNameDb } from "./_format.ts";
import type { NameDb } from "./_format.ts";

interface Entry {
  /** Name shown. */
  name: string;
  /** Path used to reach it. */
  path: string;
  st: Stat;
  /** Symlink target for -l. */
  target?: string;
}

interface Style {
  long: boolean;
  human: boolean;
  numeric: boolean;
  inode: boolean;
  classify: boolean;
  onePerLine: boolean;
  width: number;
  users: NameDb;
  groups: NameDb;
  now: number;
}

/**
 * The `ls` applet.
 *
 * @example
 * ```ts ignore
 * await ls(sys, ["ls", "-la", "/"]);
 * ```
 */
export const ls = applet({
  name: "ls",
  usage: "ls [-1aAdFhilnRrSt] [FILE]...\n\nList directory contents\n\n" +
    "\t-1\tOne column output\n\t-a\tInclude names starting with .\n\t-A\tLike -a, but exclude . and ..\n" +
    "\t-d\tList directory names, not contents\n\t-F\tAppend indicator (one of */=@|) to names\n" +
    "\t-h\tHuman readable sizes (1K 243M 2G)\n\t-i\tList inode numbers\n\t-l\tLong format\n" +
    "\t-n\tList numeric UIDs and GIDs instead of names\n\t-R\tRecurse\n\t-r\tReverse sort order\n" +
    "\t-S\tSort by size\n\t-t\tSort by mtime",
  usageStatus: 2,
  spec: {
    flags: "1aAdFhilnRrStLC",
    long: {
      all: "a",
      "almost-all": "A",
      directory: "d",
      classify: "F",
      "human-readable": "h",
      inode: "i",
      recursive: "R",
      reverse: "r",
      "numeric-uid-gid": "n",
    },
  },
  async run(ctx, opts) {
    const long = opts.has("l") || opts.has("n");
    const tty = ctx.sys.isatty(1);
    let width = 80;
    if (tty) {
      const ws = ctx.sys.ioctl(1, 0x5413);
      if (typeof ws === "object" && ws.cols > 0) width = ws.cols;
    }
    const style: Style = {
      long,
      human: opts.has("h"),
      numeric: opts.has("n"),
      inode: opts.has("i"),
      classify: opts.has("F"),
      onePerLine: opts.has("1") || (!tty && !opts.has("C")),
      width,
      users: long && !opts.has("n") ? await readNameDb(ctx.sys, "passwd") : emptyDb(),
      groups: long && !opts.has("n") ? await readNameDb(ctx.sys, "group") : emptyDb(),
      now: nowSec(ctx),
    };
    const operands = opts.operands.length ? opts.operands : ["."];
    const files: Entry[] = [];
    const dirs: Entry[] = [];
    for (const p of operands) {
      const st = opts.has("d") || opts.has("l") && !opts.has("L")
        ? lstat(ctx.sys, p)
        : stat(ctx.sys, p);
      let s = st;
      if (isErrno(s)) {
        const l = lstat(ctx.sys, p);
        if (!isErrno(l)) s = l;
      }
      if (isErrno(s)) {
        await ctx.fail(`cannot access '${p}'`, s, 2);
        continue;
      }
      // -l on a symlink to a directory lists the directory (GNU) only when named with a trailing slash.
      let dirSt = s;
      if (isLink(s.mode) && !opts.has("d")) {
        const t = stat(ctx.sys, p);
        if (!isErrno(t) && isDir(t.mode) && (!long || p.endsWith("/"))) dirSt = t;
      }
      const e: Entry = { name: p, path: p, st: s };
      if (isDir(dirSt.mode) && !opts.has("d")) dirs.push({ ...e, st: dirSt });
      else files.push(withTarget(ctx, e, long));
    }
    sortEntries(files, opts);
    sortEntries(dirs, opts);
    await printEntries(ctx, files, style, false);
    const header = operands.length > 1 || opts.has("R");
    let first = files.length === 0;
    for (const d of dirs) {
      await listDirectory(ctx, opts, style, d.path, header, first);
      first = false;
    }
    return ctx.status;
  },
});

function emptyDb(): NameDb {
  return { byId: new Map(), byName: new Map(), rows: new Map() };
}

function nowSec(ctx: Ctx): number {
  const t = ctx.sys.clock_gettime(0);
  return isErrno(t) ? 0 : t.sec;
}

function withTarget(ctx: Ctx, e: Entry, long: boolean): Entry {
  if (long && isLink(e.st.mode)) {
    const t = ctx.sys.readlinkat(-100, e.path);
    if (!isErrno(t)) e.target = t;
  }
  return e;
}

async function listDirectory(
  ctx: Ctx,
  opts: Opts,
  style: Style,
  path: string,
  header: boolean,
  first: boolean,
): Promise<void> {
  const list = await listDir(ctx.sys, path);
  if (header) await ctx.out.write(`${first ? "" : "\n"}${path}:\n`);
  if (isErrno(list)) {
    await ctx.fail(`cannot open directory '${path}'`, list, 2);
    return;
  }
  const all = opts.has("a");
  const entries: Entry[] = [];
  const names = list.map((d) => d.name).filter((n) => all || opts.has("A") || !n.startsWith("."));
  if (all) names.push(".", "..");
  for (const name of names) {
    const p = joinPath(path, name);
    const st = lstat(ctx.sys, p);
    if (isErrno(st)) {
      await ctx.fail(`cannot access '${p}'`, st, 1);
      continue;
    }
    entries.push(withTarget(ctx, { name, path: p, st }, style.long));
  }
  sortEntries(entries, opts);
  if (style.long) {
    const blocks = entries.reduce((s, e) => s + Math.ceil(e.st.blocks / 2), 0);
    await ctx.out.write(`total ${style.human ? humanSize(blocks * 1024) : blocks}\n`);
  }
  await printEntries(ctx, entries, style, true);
  if (opts.has("R")) {
    for (const e of entries) {
      if (e.name === "." || e.name === "..") continue;
      if (isDir(e.st.mode)) await listDirectory(ctx, opts, style, e.path, true, false);
    }
  }
}

function sortEntries(list: Entry[], opts: Opts): void {
  const byName = (a: Entry, b: Entry) => compareC(a.name, b.name);
  let cmp = byName;
  if (opts.has("t")) {
    cmp = (a, b) =>
      (b.st.mtime.sec - a.st.mtime.sec) || (b.st.mtime.nsec - a.st.mtime.nsec) || byName(a, b);
  }
  if (opts.has("S")) cmp = (a, b) => (b.st.size - a.st.size) || byName(a, b);
  list.sort(cmp);
  if (opts.has("r")) list.reverse();
}

function indicator(mode: number): string {
  const t = mode & 0o170000;
  if (t === 0o040000) return "/";
  if (t === 0o120000) return "@";
  if (t === 0o010000) return "|";
  if (t === 0o140000) return "=";
  return mode & 0o111 ? "*" : "";
}

async function printEntries(
  ctx: Ctx,
  entries: Entry[],
  style: Style,
  _inDir: boolean,
): Promise<void> {
  if (entries.length === 0) return;
  const shown = entries.map((e) => e.name + (style.classify ? indicator(e.st.mode) : ""));
  if (style.long) {
    const rows = entries.map((e, i) => {
      const dev = (e.st.mode & 0o170000) === 0o020000 || (e.st.mode & 0o170000) === 0o060000;
      const size = dev
        ? `${(e.st.rdev >> 8) & 0xfff}, ${String(e.st.rdev & 0xff).padStart(3)}`
        : style.human
        ? humanSize(e.st.size)
        : String(e.st.size);
      return {
        ino: String(e.st.ino),
        mode: modeString(e.st.mode),
        nlink: String(e.st.nlink),
        user: style.users.byId.get(e.st.uid) ?? String(e.st.uid),
        group: style.groups.byId.get(e.st.gid) ?? String(e.st.gid),
        size,
        time: lsTime(e.st.mtime, style.now),
        name: shown[i]! + (e.target !== undefined ? ` -> ${e.target}` : ""),
      };
    });
    const w = (k: "ino" | "nlink" | "user" | "group" | "size") =>
      Math.max(...rows.map((r) => r[k].length));
    const wi = w("ino"), wn = w("nlink"), wu = w("user"), wg = w("group"), ws = w("size");
    let text = "";
    for (const r of rows) {
      text += (style.inode ? r.ino.padStart(wi) + " " : "") +
        `${r.mode} ${r.nlink.padStart(wn)} ${r.user.padEnd(wu)} ${r.group.padEnd(wg)} ${
          r.size.padStart(ws)
        } ${r.time} ${r.name}\n`;
    }
    await ctx.out.write(text);
    return;
  }
  const cells = entries.map((e, i) => (style.inode ? `${e.st.ino} ` : "") + shown[i]!);
  if (style.onePerLine) {
    await ctx.out.write(cells.join("\n") + "\n");
    return;
  }
  await ctx.out.write(columns(cells, style.width));
}

/**
 * Lay names out in columns, filled top to bottom, as `ls -C` does.
 *
 * @param cells Names.
 * @param width Terminal width.
 * @returns The text.
 */
export function columns(cells: string[], width: number): string {
  for (let rows = 1; rows <= cells.length; rows++) {
    const cols = Math.ceil(cells.length / rows);
    const widths: number[] = [];
    for (let c = 0; c < cols; c++) {
      const col = cells.slice(c * rows, (c + 1) * rows);
      widths.push(Math.max(...col.map((s) => s.length)) + 2);
    }
    const total = widths.reduce((a, b) => a + b, 0) - 2;
    if (total <= width || rows === cells.length) {
      let text = "";
      for (let r = 0; r < rows; r++) {
        let line = "";
        for (let c = 0; c < cols; c++) {
          const cell = cells[c * rows + r];
          if (cell === undefined) continue;
          const last = c === cols - 1 || cells[(c + 1) * rows + r] === undefined;
          line += last ? cell : cell.padEnd(widths[c]!);
        }
        text += line + "\n";
      }
      return text;
    }
  }
  return "";
}
