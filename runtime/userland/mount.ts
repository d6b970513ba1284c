/**
 * `mount [-t TYPE] [-o OPTS] [--bind] SOURCE TARGET`, `mount` (list) and
 * `umount [-l] TARGET...`.
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import { applet } from "./_applet.ts";
import { readText } from "./_io.ts";

const FLAGS: Record<string, number> = {
  ro: 1,
  nosuid: 2,
  nodev: 4,
  noexec: 8,
  remount: 32,
  bind: 4096,
  rbind: 4096 | 16384,
  rec: 16384,
};

/**
 * Split `-o` options into `MS_*` flags and the data string the file system parses.
 *
 * @param opts Comma-separated options.
 * @returns Flags and data.
 */
export function mountOptions(opts: string): { flags: number; data: string } {
  let flags = 0;
  const data: string[] = [];
  for (const o of opts.split(",").filter(Boolean)) {
    if (o in FLAGS) flags |= FLAGS[o]!;
    else if (o === "rw" || o === "defaults" || o === "suid" || o === "dev" || o === "exec") {
      continue;
    } else data.push(o);
  }
  return { flags, data: data.join(",") };
}

/**
 * The `mount` applet.
 *
 * @example
 * ```ts ignore
 * await mount(sys, ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", "/mnt"]);
 * ```
 */
export const mount = applet({
  name: "mount",
  usage:
    "mount [OPTIONS] [-o OPT] DEVICE NODE\n\nMount a filesystem. Filesystem autodetection requires /proc.\n\n" +
    "\t-a\tMount all filesystems in fstab (not supported)\n\t-r\tRead-only mount\n\t-t FSTYPE[,...]\tFilesystem type(s)\n" +
    "\t-o OPT\tMount options (ro, rw, nosuid, nodev, noexec, remount, bind, size=...)\n\t--bind\tBind a file or directory\n\t--rbind\tBind recursively",
  spec: {
    flags: "rwvfna",
    withArg: "to",
    long: { bind: "B", rbind: "R", "types=": "t", "options=": "o", "read-only": "r" },
  },
  async run(ctx, opts) {
    const ops = opts.operands;
    if (ops.length === 0) {
      const text = await readText(ctx.sys, "/proc/mounts");
      if (isErrno(text)) {
        await ctx.fail("/proc/mounts", text);
        return 1;
      }
      const type = opts.get("t");
      for (const l of text.split("\n").filter(Boolean)) {
        const [src, point, fstype, o] = l.split(" ");
        if (type && fstype !== type) continue;
        await ctx.out.write(`${src} on ${point} type ${fstype} (${o})\n`);
      }
      return 0;
    }
    const o = mountOptions(opts.all("o").join(","));
    let flags = o.flags;
    if (opts.has("r")) flags |= 1;
    if (opts.has("B")) flags |= 4096;
    if (opts.has("R")) flags |= 4096 | 16384;
    let source = ops[0]!;
    let target = ops[1];
    if (target === undefined) {
      if (!(flags & 32)) {
        await ctx.error(`can't find ${source} in /etc/fstab`);
        return 1;
      }
      target = source;
      source = "none";
    }
    const type = opts.get("t") ?? (flags & (4096 | 32) ? "" : source);
    const r = ctx.sys.mount(source, target, type, flags, o.data);
    if (isErrno(r)) {
      await ctx.fail(`mounting ${source} on ${target} failed`, r, 32);
      return 32;
    }
    return 0;
  },
});

/**
 * The `umount` applet.
 *
 * @example
 * ```ts ignore
 * await umount(sys, ["umount", "/mnt"]);
 * ```
 */
export const umount = applet({
  name: "umount",
  usage:
    "umount [-rlfda] FILESYSTEM|DIRECTORY\n\nUnmount filesystems\n\n\t-l\tLazy umount (detach filesystem)\n\t-f\tForce umount (i.e., unreachable NFS server)",
  spec: { flags: "lfrdanv", long: { lazy: "l", force: "f" } },
  async run(ctx, opts) {
    if (opts.operands.length === 0) {
      await ctx.usageError("bad usage");
      return 1;
    }
    for (const t of opts.operands) {
      const r = ctx.sys.umount2(t, (opts.has("l") ? 2 : 0) | (opts.has("f") ? 1 : 0));
      if (isErrno(r)) await ctx.fail(`${t}`, r, 32);
    }
    return ctx.status;
  },
});
