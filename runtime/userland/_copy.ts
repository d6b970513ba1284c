/**
 * Copying files and trees, shared by `cp`, `mv` (across devices) and `install`-like uses.
 *
 * @module
 */
import { Errno, isErrno } from "../kernel/errno.ts";
import { AT, O } from "../kernel/syscalls/api.ts";
import type { Stat } from "../kernel/syscalls/api.ts";
import type { Ctx } from "./_applet.ts";
import { isDir, isLink, joinPath, listDir, lstat, stat } from "./_fs.ts";
import { readSome, writeAll } from "./_io.ts";

/** How to copy. */
export interface CopyOptions {
  /** Copy directories recursively. */
  recursive: boolean;
  /** Keep mode, ownership and times (`-p`, `-a`). */
  preserve: boolean;
  /** Copy symlinks as symlinks (`-P`, `-d`, `-a`, and `-r` without `-L`). */
  noDereference: boolean;
  /** Remove a destination that cannot be opened and retry (`-f`). */
  force: boolean;
  /** Do not overwrite existing files (`-n`). */
  noClobber: boolean;
  /** Print `'a' -> 'b'`. */
  verbose: boolean;
}

/**
 * Copy `src` to `dst` (the final name, not the containing directory).
 *
 * @param ctx Applet context (errors are printed through it, prefixed `cp:`).
 * @param src Source path.
 * @param dst Destination path.
 * @param o Options.
 * @returns true on success.
 */
export async function copyPath(
  ctx: Ctx,
  src: string,
  dst: string,
  o: CopyOptions,
): Promise<boolean> {
  const st = o.noDereference ? lstat(ctx.sys, src) : stat(ctx.sys, src);
  if (isErrno(st)) {
    await ctx.fail(`cannot stat '${src}'`, st);
    return false;
  }
  if (isDir(st.mode)) {
    if (!o.recursive) {
      await ctx.error(`-r not specified; omitting directory '${src}'`);
      ctx.status = 1;
      return false;
    }
    const dstSt = stat(ctx.sys, dst);
    if (!isErrno(dstSt) && dstSt.ino === st.ino && dstSt.dev === st.dev) {
      await ctx.error(`cannot copy a directory, '${src}', into itself, '${dst}'`);
      ctx.status = 1;
      return false;
    }
    if (isErrno(dstSt)) {
      const r = ctx.sys.mkdirat(-100, dst, (st.mode & 0o7777) | 0o700);
      if (isErrno(r)) {
        await ctx.fail(`cannot create directory '${dst}'`, r);
        return false;
      }
    } else if (!isDir(dstSt.mode)) {
      await ctx.error(`cannot overwrite non-directory '${dst}' with directory '${src}'`);
      ctx.status = 1;
      return false;
    }
    if (o.verbose) await ctx.out.write(`'${src}' -> '${dst}'\n`);
    const list = await listDir(ctx.sys, src);
    if (isErrno(list)) {
      await ctx.fail(`cannot access '${src}'`, list);
      return false;
    }
    let ok = true;
    for (const e of list) {
      if (!(await copyPath(ctx, joinPath(src, e.name), joinPath(dst, e.name), o))) ok = false;
    }
    ctx.sys.fchmodat(-100, dst, st.mode & 0o7777, 0);
    if (o.preserve) preserveAttrs(ctx, dst, st);
    return ok;
  }
  const existing = lstat(ctx.sys, dst);
  if (!isErrno(existing)) {
    if (o.noClobber) return true;
    if (existing.ino === st.ino && existing.dev === st.dev) {
      await ctx.error(`'${src}' and '${dst}' are the same file`);
      ctx.status = 1;
      return false;
    }
    if (isDir(existing.mode)) {
      await ctx.error(`cannot overwrite directory '${dst}' with non-directory`);
      ctx.status = 1;
      return false;
    }
  }
  if (isLink(st.mode)) {
    const target = ctx.sys.readlinkat(-100, src);
    if (isErrno(target)) {
      await ctx.fail(`cannot read symbolic link '${src}'`, target);
      return false;
    }
    if (!isErrno(existing)) ctx.sys.unlinkat(-100, dst, 0);
    const r = ctx.sys.symlinkat(target, -100, dst);
    if (isErrno(r)) {
      await ctx.fail(`cannot create symbolic link '${dst}'`, r);
      return false;
    }
    if (o.verbose) await ctx.out.write(`'${src}' -> '${dst}'\n`);
    return true;
  }
  const ok = await copyFileData(ctx, src, dst, st, o.force);
  if (!ok) return false;
  if (o.preserve) preserveAttrs(ctx, dst, st);
  if (o.verbose) await ctx.out.write(`'${src}' -> '${dst}'\n`);
  return true;
}

function preserveAttrs(ctx: Ctx, dst: string, st: Stat): void {
  ctx.sys.fchownat(-100, dst, st.uid, st.gid, AT.SYMLINK_NOFOLLOW);
  ctx.sys.fchmodat(-100, dst, st.mode & 0o7777, 0);
  ctx.sys.utimensat(-100, dst, st.atime, st.mtime, 0);
}

async function copyFileData(
  ctx: Ctx,
  src: string,
  dst: string,
  st: Stat,
  force: boolean,
): Promise<boolean> {
  let ifd = ctx.sys.openat(-100, src, O.RDONLY | O.CLOEXEC, 0);
  if (ifd instanceof Promise) ifd = await ifd;
  if (isErrno(ifd)) {
    await ctx.fail(`cannot open '${src}' for reading`, ifd);
    return false;
  }
  const flags = O.WRONLY | O.CREAT | O.TRUNC | O.CLOEXEC;
  let ofd = ctx.sys.openat(-100, dst, flags, st.mode & 0o777);
  if (ofd instanceof Promise) ofd = await ofd;
  if (isErrno(ofd) && force && ofd !== Errno.ENOENT) {
    ctx.sys.unlinkat(-100, dst, 0);
    ofd = ctx.sys.openat(-100, dst, flags, st.mode & 0o777);
    if (ofd instanceof Promise) ofd = await ofd;
  }
  if (isErrno(ofd)) {
    ctx.sys.close(ifd);
    await ctx.fail(`cannot create regular file '${dst}'`, ofd);
    return false;
  }
  const buf = new Uint8Array(65536);
  let ok = true;
  for (;;) {
    const n = await readSome(ctx.sys, ifd, buf);
    if (isErrno(n)) {
      await ctx.fail(`error reading '${src}'`, n);
      ok = false;
      break;
    }
    if (n === 0) break;
    const w = await writeAll(ctx.sys, ofd, buf.subarray(0, n));
    if (w) {
      await ctx.fail(`error writing '${dst}'`, w);
      ok = false;
      break;
    }
  }
  ctx.sys.close(ifd);
  ctx.sys.close(ofd);
  return ok;
}
