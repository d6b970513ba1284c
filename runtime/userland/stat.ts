/**
 * `stat [-L] [-c FORMAT] FILE...`: file status in coreutils' layout.
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import type { Stat, Timespec } from "../kernel/syscalls/api.ts";
import { applet } from "./_applet.ts";
import { lstat, stat as statPath } from "./_fs.ts";
import { modeString, readNameDb, strftime } from "./_format.ts";
import type { NameDb } from "./_format.ts";

function fileType(mode: number, size: number): string {
  switch (mode & 0o170000) {
    case 0o100000:
      return size === 0 ? "regular empty file" : "regular file";
    case 0o040000:
      return "directory";
    case 0o120000:
      return "symbolic link";
    case 0o010000:
      return "fifo";
    case 0o140000:
      return "socket";
    case 0o020000:
      return "character special file";
    case 0o060000:
      return "block special file";
  }
  return "weird file";
}

function timeText(t: Timespec): string {
  return `${strftime("%Y-%m-%d %H:%M:%S", t.sec * 1000)}.${String(t.nsec).padStart(9, "0")} +0000`;
}

function format(
  fmt: string,
  name: string,
  st: Stat,
  target: string | null,
  users: NameDb,
  groups: NameDb,
): string {
  const dev = (d: number) => `${(d >> 8) & 0xfff},${d & 0xff}`;
  return fmt.replace(/%(.)/g, (all, c: string) => {
    switch (c) {
      case "n":
        return name;
      case "N":
        return target !== null ? `'${name}' -> '${target}'` : `'${name}'`;
      case "s":
        return String(st.size);
      case "a":
        return (st.mode & 0o7777).toString(8);
      case "A":
        return modeString(st.mode);
      case "f":
        return st.mode.toString(16);
      case "F":
        return fileType(st.mode, st.size);
      case "u":
        return String(st.uid);
      case "U":
        return users.byId.get(st.uid) ?? "UNKNOWN";
      case "g":
        return String(st.gid);
      case "G":
        return groups.byId.get(st.gid) ?? "UNKNOWN";
      case "i":
        return String(st.ino);
      case "h":
        return String(st.nlink);
      case "b":
        return String(st.blocks);
      case "B":
        return "512";
      case "o":
        return String(st.blksize);
      case "d":
        return String(st.dev);
      case "D":
        return st.dev.toString(16);
      case "t":
        return ((st.rdev >> 8) & 0xfff).toString(16);
      case "T":
        return (st.rdev & 0xff).toString(16);
      case "X":
        return String(st.atime.sec);
      case "Y":
        return String(st.mtime.sec);
      case "Z":
        return String(st.ctime.sec);
      case "x":
        return timeText(st.atime);
      case "y":
        return timeText(st.mtime);
      case "z":
        return timeText(st.ctime);
      case "w":
        return "-";
      case "W":
        return "0";
      case "%":
        return "%";
    }
    void dev;
    return all;
  });
}

/**
 * The `stat` applet.
 *
 * @example
 * ```ts ignore
 * await stat(sys, ["stat", "-c", "%a %U %n", "/etc/passwd"]);
 * ```
 */
export const stat = applet({
  name: "stat",
  usage:
    "stat [-lL] [-c FMT] FILE...\n\nDisplay file status\n\n\t-c FMT\tUse the specified format\n\t-L\tFollow links\n\t-t\tTerse display",
  spec: {
    flags: "Lt",
    withArg: "c",
    long: { dereference: "L", "format=": "c", "printf=": "c", terse: "t" },
  },
  async run(ctx, opts) {
    if (opts.operands.length === 0) {
      await ctx.usageError("missing operand");
      return 1;
    }
    const users = await readNameDb(ctx.sys, "passwd");
    const groups = await readNameDb(ctx.sys, "group");
    for (const f of opts.operands) {
      const st = opts.has("L") ? statPath(ctx.sys, f) : lstat(ctx.sys, f);
      if (isErrno(st)) {
        await ctx.fail(`cannot stat '${f}'`, st);
        continue;
      }
      const link = (st.mode & 0o170000) === 0o120000 ? ctx.sys.readlinkat(-100, f) : null;
      const target = link !== null && !isErrno(link) ? link : null;
      let fmt = opts.get("c");
      if (fmt !== undefined) fmt += "\n";
      else if (opts.has("t")) fmt = "%n %s %b %f %u %g %D %i %h %t %T %X %Y %Z %W %o\n";
      else {
        const dev = (st.mode & 0o170000) === 0o020000 || (st.mode & 0o170000) === 0o060000;
        fmt = "  File: %N\n" +
          `  Size: %-10s\tBlocks: %-10b IO Block: %-6o %F\n`.replace(
            "%-10s",
            String(st.size).padEnd(10),
          )
            .replace("%-10b", String(st.blocks).padEnd(10)).replace(
              "%-6o",
              String(st.blksize).padEnd(6),
            ) +
          `Device: ${(st.dev >> 8) & 0xfff},${st.dev & 0xff}\tInode: ${
            String(st.ino).padEnd(11)
          } Links: %h` +
          (dev ? `     Device type: ${(st.rdev >> 8) & 0xfff},${st.rdev & 0xff}\n` : "\n") +
          `Access: (%04a/%A)  Uid: (${String(st.uid).padStart(5)}/${
            (users.byId.get(st.uid) ?? "UNKNOWN").padStart(8)
          })   Gid: (${String(st.gid).padStart(5)}/${
            (groups.byId.get(st.gid) ?? "UNKNOWN").padStart(8)
          })\n` +
          "Access: %x\nModify: %y\nChange: %z\n Birth: -\n";
        fmt = fmt.replace("%04a", (st.mode & 0o7777).toString(8).padStart(4, "0"));
        if (target === null) fmt = fmt.replace("%N", "%n");
      }
      await ctx.out.write(format(fmt, f, st, target, users, groups));
    }
    return ctx.status;
  },
});
