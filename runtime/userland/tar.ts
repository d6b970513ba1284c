/**
 * `tar -c|-x|-t [-zvpkO] [-f FILE] [-C DIR] [--strip-components N] [FILE]...`: ustar
 * archives, gzip-compressed with -z (also sniffed when extracting).
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import { O } from "../kernel/syscalls/api.ts";
import { applet } from "./_applet.ts";
import type { Ctx } from "./_applet.ts";
import { parseOpts } from "./_args.ts";
import type { Opts } from "./_args.ts";
import { isDir, isLink, joinPath, listDir, lstat } from "./_fs.ts";
import { modeString, readNameDb, strftime } from "./_format.ts";
import type { NameDb } from "./_format.ts";
import { readAll, readFile, writeAll } from "./_io.ts";
import { encodeEntry, endOfArchive, parseTar, TarError } from "./_tar.ts";
import type { TarEntry } from "./_tar.ts";
import { gzipBytes } from "./gzip.ts";

const TAR_SPEC = {
  flags: "cxtzvpkOhmPZja",
  withArg: "fCTX",
  long: {
    create: "c",
    extract: "x",
    get: "x",
    list: "t",
    gzip: "z",
    gunzip: "z",
    verbose: "v",
    "file=": "f",
    "directory=": "C",
    "preserve-permissions": "p",
    "keep-old-files": "k",
    "to-stdout": "O",
    dereference: "h",
    "touch": "m",
    "absolute-names": "P",
    "strip-components=": "S",
    "exclude=": "E",
    "numeric-owner": "N",
    "no-same-owner": "U",
    "files-from=": "T",
  },
};

/**
 * The `tar` applet. Old-style option letters (`tar czf x.tgz dir`) are accepted.
 *
 * @example
 * ```ts ignore
 * await tar(sys, ["tar", "-czf", "/tmp/a.tgz", "-C", "/srv", "."]);
 * ```
 */
export const tar = applet({
  name: "tar",
  usage:
    "tar c|x|t [-zvpkO] [-f TARFILE] [-C DIR] [--strip-components N] [FILE]...\n\nCreate, extract, or list files from a tar file\n\n" +
    "\tc\tCreate\n\tx\tExtract\n\tt\tList\n\t-f FILE\tName of TARFILE ('-' for stdin/out)\n\t-C DIR\tChange to DIR before operation\n" +
    "\t-v\tVerbose\n\t-O\tExtract to stdout\n\t-z\t(De)compress using gzip\n\t-k\tDon't replace existing files\n\t-p\tSame permissions\n" +
    "\t--strip-components N\tStrip leading path components on extract\n\t--exclude PATTERN\tExclude files",
  raw: true,
  async run(ctx, raw) {
    let args = raw.operands;
    // Old style: the first word is a cluster of letters without a dash; f/C take the next words.
    if (args[0] && !args[0].startsWith("-") && /^[cxtzvpkOfCh]+$/.test(args[0])) {
      const letters = args[0];
      const rest = args.slice(1);
      const expanded: string[] = [];
      for (const c of letters) {
        if (c === "f" || c === "C") expanded.push(`-${c}`, rest.shift() ?? "");
        else expanded.push(`-${c}`);
      }
      args = [...expanded, ...rest];
    }
    const opts = parseOpts(args, TAR_SPEC);
    if ("error" in opts) {
      await ctx.usageError(opts.error);
      return 2;
    }
    const modes = ["c", "x", "t"].filter((m) => opts.has(m));
    if (modes.length !== 1) {
      await ctx.usageError(
        modes.length
          ? "You may not specify more than one '-Acdtrux', '--delete' or  '--test-label' option"
          : "You must specify one of the '-Acdtrux', '--delete' or '--test-label' options",
      );
      return 2;
    }
    const file = opts.get("f") ?? "-";
    if (opts.has("c")) return await create(ctx, opts, file);
    return await extractOrList(ctx, opts, file, opts.has("t"));
  },
});

async function create(ctx: Ctx, opts: Opts, file: string): Promise<number> {
  if (opts.operands.length === 0) {
    await ctx.error(
      "Cowardly refusing to create an empty archive\nTry 'tar --help' for more information.",
    );
    return 2;
  }
  if (file === "-" && ctx.sys.isatty(1)) {
    await ctx.error("Refusing to write archive contents to terminal (missing -f option?)");
    return 2;
  }
  const dir = opts.get("C");
  const prefix = dir ? (dir.endsWith("/") ? dir : dir + "/") : "";
  const users = await readNameDb(ctx.sys, "passwd");
  const groups = await readNameDb(ctx.sys, "group");
  const blocks: Uint8Array[] = [];
  const links = new Map<string, string>();
  const excludes = opts.all("E");
  let warnedAbs = false;
  const add = async (path: string): Promise<void> => {
    const real = path.startsWith("/") ? path : prefix + path;
    const st = lstat(ctx.sys, real);
    if (isErrno(st)) {
      await ctx.fail(`${path}: Cannot stat`, st, 2);
      return;
    }
    let name = path;
    if (name.startsWith("/") && !opts.has("P")) {
      name = name.replace(/^\/+/, "");
      if (!warnedAbs) await ctx.error("Removing leading `/' from member names");
      warnedAbs = true;
    }
    if (excludes.some((g) => path.split("/").some((part) => part === g) || path === g)) return;
    const e: TarEntry = {
      name: isDir(st.mode) && name && !name.endsWith("/") ? `${name}/` : name,
      type: "0",
      mode: st.mode & 0o7777,
      uid: st.uid,
      gid: st.gid,
      uname: users.byId.get(st.uid) ?? "",
      gname: groups.byId.get(st.gid) ?? "",
      mtime: st.mtime.sec,
      linkname: "",
      data: new Uint8Array(),
    };
    const key = `${st.dev}:${st.ino}`;
    if (isDir(st.mode)) e.type = "5";
    else if (isLink(st.mode)) {
      e.type = "2";
      const t = ctx.sys.readlinkat(-100, real);
      e.linkname = isErrno(t) ? "" : t;
    } else if ((st.mode & 0o170000) === 0o010000) e.type = "6";
    else if (st.nlink > 1 && links.has(key)) {
      e.type = "1";
      e.linkname = links.get(key)!;
    } else {
      const data = await readFile(ctx.sys, real);
      if (isErrno(data)) {
        await ctx.fail(`${path}: Cannot open`, data, 2);
        return;
      }
      e.data = data;
      if (st.nlink > 1) links.set(key, name);
    }
    if (e.name !== "" && e.name !== "/") {
      blocks.push(...encodeEntry(e));
      if (opts.has("v")) {
        await writeAll(ctx.sys, file === "-" ? 2 : 1, new TextEncoder().encode(e.name + "\n"));
      }
    }
    if (isDir(st.mode)) {
      const list = await listDir(ctx.sys, real);
      if (isErrno(list)) {
        await ctx.fail(`${path}: Cannot open`, list, 2);
        return;
      }
      list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const d of list) await add(joinPath(path, d.name));
    }
  };
  for (const p of opts.operands) await add(p);
  blocks.push(endOfArchive());
  let total = blocks.reduce((s, b) => s + b.length, 0);
  const rec = 10240;
  if (total % rec) {
    blocks.push(new Uint8Array(rec - (total % rec)));
    total += rec - (total % rec);
  }
  let out: Uint8Array = new Uint8Array(total);
  let o = 0;
  for (const b of blocks) {
    out.set(b, o);
    o += b.length;
  }
  if (opts.has("z")) out = (await gzipBytes(out, "compress"))!;
  if (file === "-") {
    await ctx.out.flush();
    await writeAll(ctx.sys, 1, out);
  } else {
    let fd = ctx.sys.openat(-100, file, O.WRONLY | O.CREAT | O.TRUNC | O.CLOEXEC, 0o666);
    if (fd instanceof Promise) fd = await fd;
    if (isErrno(fd)) {
      await ctx.fail(`${file}: Cannot open`, fd, 2);
      return 2;
    }
    await writeAll(ctx.sys, fd, out);
    ctx.sys.close(fd);
  }
  return ctx.status ? 2 : 0;
}

function listLine(e: TarEntry, users: NameDb): string {
  const typeBits: Record<string, number> = {
    "0": 0o100000,
    "1": 0o100000,
    "2": 0o120000,
    "5": 0o040000,
    "6": 0o010000,
    "3": 0o020000,
    "4": 0o060000,
  };
  const owner = `${e.uname || users.byId.get(e.uid) || e.uid}/${e.gname || e.gid}`;
  const size = String(e.data.length).padStart(Math.max(1, 19 - owner.length));
  let line = `${modeString((typeBits[e.type] ?? 0o100000) | e.mode)} ${owner} ${size} ${
    strftime("%Y-%m-%d %H:%M", e.mtime * 1000)
  } ${e.name}`;
  if (e.type === "2") line += ` -> ${e.linkname}`;
  if (e.type === "1") line += ` link to ${e.linkname}`;
  return line + "\n";
}

async function extractOrList(ctx: Ctx, opts: Opts, file: string, list: boolean): Promise<number> {
  let data = file === "-" ? await readAll(ctx.sys, 0) : await readFile(ctx.sys, file);
  if (isErrno(data)) {
    await ctx.fail(`${file}: Cannot open`, data, 2);
    await ctx.error("Error is not recoverable: exiting now");
    return 2;
  }
  if (opts.has("z") || (data[0] === 0x1f && data[1] === 0x8b)) {
    const un = await gzipBytes(data, "decompress");
    if (!un) {
      await ctx.error("This does not look like a tar archive\ngzip: stdin: not in gzip format");
      return 2;
    }
    data = un;
  }
  let entries: TarEntry[];
  try {
    entries = parseTar(data);
  } catch (e) {
    if (!(e instanceof TarError)) throw e;
    await ctx.error(`${e.message}\ntar: Exiting with failure status due to previous errors`);
    return 2;
  }
  const users = await readNameDb(ctx.sys, "passwd");
  const strip = Number(opts.get("S") ?? 0);
  const wanted = opts.operands.map((w) => w.replace(/\/+$/, ""));
  const found = new Set<string>();
  const dir = opts.get("C");
  const base = dir ? (dir.endsWith("/") ? dir : dir + "/") : "";
  const root = ctx.sys.geteuid() === 0 && !opts.has("U");
  let warnedAbs = false;
  const dirTimes: { path: string; mtime: number }[] = [];
  const symlinks: { target: string; path: string; uid: number; gid: number }[] = [];
  for (const e of entries) {
    const clean = e.name.replace(/\/+$/, "");
    if (wanted.length) {
      const w = wanted.find((x) => clean === x || clean.startsWith(x + "/"));
      if (w === undefined) continue;
      found.add(w);
    }
    if (list) {
      await ctx.out.write(opts.has("v") ? listLine(e, users) : e.name + "\n");
      continue;
    }
    let name = clean;
    if (name.startsWith("/")) {
      name = name.replace(/^\/+/, "");
      if (!warnedAbs) await ctx.error("Removing leading `/' from member names");
      warnedAbs = true;
    }
    if (name.split("/").includes("..")) {
      await ctx.error(`${e.name}: Member name contains '..'`);
      ctx.status = 2;
      continue;
    }
    if (strip) {
      const parts = name.split("/");
      if (parts.length <= strip) continue;
      name = parts.slice(strip).join("/");
    }
    if (name === "" || name === ".") continue;
    if (opts.has("v")) await ctx.out.write(e.name + "\n");
    if (opts.has("O")) {
      if (e.type === "0") {
        await ctx.out.flush();
        await writeAll(ctx.sys, 1, e.data);
      }
      continue;
    }
    const path = base + name;
    await ensureParents(ctx, path);
    const existing = lstat(ctx.sys, path);
    if (!isErrno(existing)) {
      if (opts.has("k") && e.type !== "5") {
        await ctx.error(`${name}: Cannot open: File exists`);
        ctx.status = 2;
        continue;
      }
      if (e.type !== "5" || !isDir(existing.mode)) {
        const r = ctx.sys.unlinkat(-100, path, isDir(existing.mode) ? 0x200 : 0);
        if (isErrno(r) && e.type !== "5") {
          await ctx.fail(`${name}: Cannot unlink`, r, 2);
          continue;
        }
      }
    }
    let r: number = 0;
    switch (e.type) {
      case "5": {
        const m = ctx.sys.mkdirat(-100, path, 0o700);
        if (isErrno(m) && m !== -17) r = m;
        else ctx.sys.fchmodat(-100, path, e.mode, 0);
        dirTimes.push({ path, mtime: e.mtime });
        break;
      }
      case "2":
        // Symlinks are made last, so a later member cannot write through one (GNU tar's
        // delayed links).
        symlinks.push({ target: e.linkname, path, uid: e.uid, gid: e.gid });
        continue;
      case "1":
        r = ctx.sys.linkat(
          -100,
          base + e.linkname.replace(/^\/+/, "").split("/").slice(strip).join("/"),
          -100,
          path,
          0,
        );
        break;
      case "6":
        r = ctx.sys.mknodat(-100, path, 0o010000 | e.mode, 0);
        break;
      case "3":
      case "4":
        await ctx.error(`${name}: Cannot mknod: Operation not permitted`);
        ctx.status = 2;
        continue;
      default: {
        let fd = ctx.sys.openat(-100, path, O.WRONLY | O.CREAT | O.TRUNC | O.CLOEXEC, 0o600);
        if (fd instanceof Promise) fd = await fd;
        if (isErrno(fd)) {
          r = fd;
          break;
        }
        const w = await writeAll(ctx.sys, fd, e.data);
        ctx.sys.close(fd);
        if (w) r = w;
        else {ctx.sys.fchmodat(
            -100,
            path,
            e.mode & (opts.has("p") || root ? 0o7777 : 0o777 & ~umaskOf(ctx)),
            0,
          );}
      }
    }
    if (isErrno(r)) {
      await ctx.fail(`${name}: Cannot create`, r, 2);
      continue;
    }
    if (root) ctx.sys.fchownat(-100, path, e.uid, e.gid, 0x100);
    if (e.type !== "5" && e.type !== "2" && !opts.has("m")) {
      ctx.sys.utimensat(-100, path, { sec: e.mtime, nsec: 0 }, { sec: e.mtime, nsec: 0 }, 0);
    }
  }
  for (const l of symlinks) {
    ctx.sys.unlinkat(-100, l.path, 0);
    const r = ctx.sys.symlinkat(l.target, -100, l.path);
    if (isErrno(r)) await ctx.fail(`${l.path}: Cannot create symlink to '${l.target}'`, r, 2);
    else if (root) ctx.sys.fchownat(-100, l.path, l.uid, l.gid, 0x100);
  }
  if (!opts.has("m")) {
    for (const d of dirTimes.reverse()) {
      ctx.sys.utimensat(-100, d.path, { sec: d.mtime, nsec: 0 }, { sec: d.mtime, nsec: 0 }, 0);
    }
  }
  for (const w of wanted) {
    if (!found.has(w)) {
      await ctx.error(`${w}: Not found in archive`);
      ctx.status = 2;
    }
  }
  if (ctx.status) await ctx.error("Exiting with failure status due to previous errors");
  return ctx.status ? 2 : 0;
}

function umaskOf(ctx: Ctx): number {
  const m = ctx.sys.umask(0);
  ctx.sys.umask(m);
  return m;
}

async function ensureParents(ctx: Ctx, path: string): Promise<void> {
  const parts = path.split("/");
  let cur = path.startsWith("/") ? "" : ".";
  for (let i = 0; i < parts.length - 1; i++) {
    if (!parts[i]) continue;
    cur = cur === "" ? `/${parts[i]}` : `${cur}/${parts[i]}`;
    const r = ctx.sys.mkdirat(-100, cur, 0o755);
    if (isErrno(r) && r !== -17) {
      await ctx.fail(`${cur}: Cannot mkdir`, r, 2);
      return;
    }
  }
}
