/**
 * Small utilities: `which`, `printenv`, `mktemp`, `mkfifo`, `unlink`, `link`, `sync`,
 * `truncate`, `tty`, `arch`, `groups`, `uptime`, `usleep`.
 *
 * @module
 */
import { Errno, isErrno } from "../kernel/errno.ts";
import { AT, O } from "../kernel/syscalls/api.ts";
import { applet } from "./_applet.ts";
import { readNameDb } from "./_format.ts";
import { readText } from "./_io.ts";
import { DEFAULT_PATH } from "./_exec.ts";

/**
 * `which [-a] NAME...`: the executable PATH would run.
 *
 * @example
 * ```ts ignore
 * await which(sys, ["which", "sh"]);
 * ```
 */
export const which = applet({
  name: "which",
  usage: "which [-a] COMMAND...\n\nLocate COMMAND\n\n\t-a\tShow all matches",
  spec: { flags: "a" },
  async run(ctx, opts) {
    if (opts.operands.length === 0) return 1;
    const path = ctx.sys.environ().find((e) => e.startsWith("PATH="))?.slice(5) ?? DEFAULT_PATH;
    for (const name of opts.operands) {
      const candidates = name.includes("/")
        ? [name]
        : path.split(":").map((d) => `${d || "."}/${name}`);
      let found = false;
      for (const c of candidates) {
        const st = ctx.sys.fstatat(AT.FDCWD, c, 0);
        if (isErrno(st) || (st.mode & 0o170000) !== 0o100000) continue;
        if (ctx.sys.faccessat(AT.FDCWD, c, 1, AT.EACCESS) !== 0) continue;
        await ctx.out.write(c + "\n");
        found = true;
        if (!opts.has("a")) break;
      }
      if (!found) ctx.status = 1;
    }
    return ctx.status;
  },
});

/**
 * `printenv [NAME]...`.
 *
 * @example
 * ```ts ignore
 * await printenv(sys, ["printenv", "HOME"]);
 * ```
 */
export const printenv = applet({
  name: "printenv",
  usage:
    "printenv [VARIABLE]...\n\nPrint environment VARIABLEs.\nIf no VARIABLE specified, print all.",
  spec: { flags: "0", long: { null: "0" } },
  async run(ctx, opts) {
    const env = ctx.sys.environ();
    const end = opts.has("0") ? "\0" : "\n";
    if (opts.operands.length === 0) {
      await ctx.out.write(env.map((e) => e + end).join(""));
      return 0;
    }
    let status = 0;
    for (const n of opts.operands) {
      const v = env.find((e) => e.startsWith(`${n}=`));
      if (v === undefined) status = 1;
      else await ctx.out.write(v.slice(n.length + 1) + end);
    }
    return status;
  },
});

/**
 * `mktemp [-dqu] [-p DIR] [TEMPLATE]`: make a unique file or directory.
 *
 * @example
 * ```ts ignore
 * await mktemp(sys, ["mktemp", "-d"]);
 * ```
 */
export const mktemp = applet({
  name: "mktemp",
  usage:
    "mktemp [-dt] [-p DIR] [TEMPLATE]\n\nCreate a temporary file with name based on TEMPLATE and print its name.\nTEMPLATE must end with XXXXXX (e.g. [/dir/]nameXXXXXX).\n" +
    "Without TEMPLATE, -t tmp.XXXXXX is assumed.\n\n\t-d\tMake directory, not file\n\t-q\tFail silently on errors\n\t-t\tPrepend base directory name to TEMPLATE\n\t-p DIR\tUse DIR as a base directory (implies -t)\n\t-u\tDo not create anything; print a name",
  spec: {
    flags: "dqtu",
    withArg: "p",
    long: { directory: "d", quiet: "q", "dry-run": "u", "tmpdir=": "p" },
  },
  async run(ctx, opts) {
    const tmpl = opts.operands[0] ?? "tmp.XXXXXXXXXX";
    const m = /X{3,}$/.exec(tmpl);
    if (!m) {
      if (!opts.has("q")) await ctx.error(`too few X's in template '${tmpl}'`);
      return 1;
    }
    const tmpdir = opts.get("p") ?? ctx.sys.environ().find((e) =>
      e.startsWith("TMPDIR=")
    )?.slice(7) ?? "/tmp";
    const base = opts.has("p") || opts.has("t") || opts.operands.length === 0
      ? `${tmpdir.replace(/\/$/, "")}/`
      : "";
    const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    for (let attempt = 0; attempt < 100; attempt++) {
      const rnd = new Uint8Array(m[0].length);
      ctx.sys.getrandom(rnd);
      const name = base + tmpl.slice(0, m.index) +
        [...rnd].map((b) => chars[b % chars.length]).join("");
      if (opts.has("u")) {
        await ctx.out.write(name + "\n");
        return 0;
      }
      let r: number;
      if (opts.has("d")) r = ctx.sys.mkdirat(-100, name, 0o700);
      else {
        let fd = ctx.sys.openat(-100, name, O.RDWR | O.CREAT | O.EXCL | O.CLOEXEC, 0o600);
        if (fd instanceof Promise) fd = await fd;
        r = fd;
        if (fd >= 0) ctx.sys.close(fd);
      }
      if (r === Errno.EEXIST) continue;
      if (isErrno(r)) {
        if (!opts.has("q")) {
          await ctx.fail(
            `failed to create ${
              opts.has("d") ? "directory" : "file"
            } via template '${base}${tmpl}'`,
            r,
          );
        }
        return 1;
      }
      await ctx.out.write(name + "\n");
      return 0;
    }
    return 1;
  },
});

/**
 * `mkfifo [-m MODE] NAME...`.
 *
 * @example
 * ```ts ignore
 * await mkfifo(sys, ["mkfifo", "/tmp/p"]);
 * ```
 */
export const mkfifo = applet({
  name: "mkfifo",
  usage: "mkfifo [-m MODE] NAME...\n\nCreate named pipe\n\n\t-m MODE\tMode (default a=rw)",
  spec: { withArg: "m", long: { "mode=": "m" } },
  async run(ctx, opts) {
    if (opts.operands.length === 0) {
      await ctx.usageError("missing operand");
      return 1;
    }
    const mode = opts.has("m") ? Number.parseInt(opts.get("m")!, 8) : 0o666;
    for (const n of opts.operands) {
      const r = ctx.sys.mknodat(-100, n, 0o010000 | mode, 0);
      if (isErrno(r)) await ctx.fail(`cannot create fifo '${n}'`, r);
    }
    return ctx.status;
  },
});

/**
 * `unlink FILE`.
 *
 * @example
 * ```ts ignore
 * await unlink(sys, ["unlink", "/tmp/x"]);
 * ```
 */
export const unlink = applet({
  name: "unlink",
  usage: "unlink FILE\n\nCall the unlink function to remove the specified FILE",
  async run(ctx, opts) {
    if (opts.operands.length !== 1) {
      await ctx.usageError(
        opts.operands.length ? `extra operand '${opts.operands[1]}'` : "missing operand",
      );
      return 1;
    }
    const r = ctx.sys.unlinkat(-100, opts.operands[0]!, 0);
    if (isErrno(r)) await ctx.fail(`cannot unlink '${opts.operands[0]}'`, r);
    return ctx.status;
  },
});

/**
 * `link FILE1 FILE2`.
 *
 * @example
 * ```ts ignore
 * await link(sys, ["link", "a", "b"]);
 * ```
 */
export const link = applet({
  name: "link",
  usage:
    "link FILE1 FILE2\n\nCall the link function to create a link named FILE2 to an existing FILE1",
  async run(ctx, opts) {
    const [a, b] = opts.operands;
    if (a === undefined || b === undefined) {
      await ctx.usageError("missing operand");
      return 1;
    }
    const r = ctx.sys.linkat(-100, a, -100, b, 0);
    if (isErrno(r)) await ctx.fail(`cannot create link '${b}' to '${a}'`, r);
    return ctx.status;
  },
});

/**
 * `sync`: flush file systems (fsync of `/`; memory file systems have nothing to do).
 *
 * @example
 * ```ts ignore
 * await sync(sys, ["sync"]);
 * ```
 */
export const sync = applet({
  name: "sync",
  usage: "sync [FILE]...\n\nWrite all buffered blocks to disk",
  async run(ctx, opts) {
    for (const f of opts.operands.length ? opts.operands : ["/"]) {
      let fd = ctx.sys.openat(-100, f, O.RDONLY | O.CLOEXEC, 0);
      if (fd instanceof Promise) fd = await fd;
      if (isErrno(fd)) {
        await ctx.fail(`error opening '${f}'`, fd);
        continue;
      }
      await ctx.sys.fsync(fd);
      ctx.sys.close(fd);
    }
    return ctx.status;
  },
});

/**
 * `truncate -s SIZE FILE...` (`+N`/`-N` relative sizes, K/M/G suffixes, `-c`).
 *
 * @example
 * ```ts ignore
 * await truncate(sys, ["truncate", "-s", "1M", "/tmp/f"]);
 * ```
 */
export const truncate = applet({
  name: "truncate",
  usage:
    "truncate [-c] -s SIZE FILE...\n\nTruncate FILEs to the given size\n\n\t-c\tDo not create files\n\t-s SIZE\tTruncate to SIZE",
  spec: { flags: "co", withArg: "s", long: { "no-create": "c", "size=": "s" } },
  async run(ctx, opts) {
    const spec = opts.get("s");
    const m = spec === undefined ? null : /^([-+<>]?)(\d+)([KMGT]?)(i?B)?$/.exec(spec);
    if (!m) {
      await ctx.usageError(
        spec === undefined
          ? "you must specify either '--size' or '--reference'"
          : `Invalid number: '${spec}'`,
      );
      return 1;
    }
    const mult = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }[m[3] as ""]!;
    const n = Number(m[2]) * mult;
    for (const f of opts.operands) {
      let fd = ctx.sys.openat(-100, f, O.WRONLY | O.CLOEXEC | (opts.has("c") ? 0 : O.CREAT), 0o666);
      if (fd instanceof Promise) fd = await fd;
      if (isErrno(fd)) {
        if (!(fd === Errno.ENOENT && opts.has("c"))) {
          await ctx.fail(`cannot open '${f}' for writing`, fd);
        }
        continue;
      }
      const st = ctx.sys.fstat(fd);
      const cur = isErrno(st) ? 0 : st.size;
      const size = m[1] === "+"
        ? cur + n
        : m[1] === "-"
        ? Math.max(0, cur - n)
        : m[1] === "<"
        ? Math.min(cur, n)
        : m[1] === ">"
        ? Math.max(cur, n)
        : n;
      const r = ctx.sys.ftruncate(fd, size);
      if (isErrno(r)) await ctx.fail(`failed to truncate '${f}' at ${size} bytes`, r);
      ctx.sys.close(fd);
    }
    return ctx.status;
  },
});

/**
 * `tty`: print the terminal on stdin, or "not a tty" (exit 1).
 *
 * @example
 * ```ts ignore
 * await tty(sys, ["tty"]);
 * ```
 */
export const tty = applet({
  name: "tty",
  usage: "tty\n\nPrint file name of stdin's terminal",
  spec: { flags: "s", long: { silent: "s", quiet: "s" } },
  async run(ctx, opts) {
    if (!ctx.sys.isatty(0)) {
      if (!opts.has("s")) await ctx.out.write("not a tty\n");
      return 1;
    }
    if (!opts.has("s")) await ctx.out.write("/dev/tty\n");
    return 0;
  },
});

/**
 * `arch`: the machine name (`uname -m`).
 *
 * @example
 * ```ts ignore
 * await arch(sys, ["arch"]);
 * ```
 */
export const arch = applet({
  name: "arch",
  usage: "arch\n\nPrint system architecture",
  async run(ctx) {
    await ctx.out.write(ctx.sys.uname().machine + "\n");
    return 0;
  },
});

/**
 * `groups [USER]`.
 *
 * @example
 * ```ts ignore
 * await groups(sys, ["groups"]);
 * ```
 */
export const groups = applet({
  name: "groups",
  usage: "groups [USER]\n\nPrint the group memberships of USER (default: current process)",
  async run(ctx, opts) {
    const g = await readNameDb(ctx.sys, "group");
    const user = opts.operands[0];
    let ids: number[];
    if (user !== undefined) {
      const u = await readNameDb(ctx.sys, "passwd");
      const row = u.rows.get(user);
      if (!row) {
        await ctx.error(`'${user}': no such user`);
        return 1;
      }
      ids = [Number(row[3])];
      for (const [name, f] of g.rows) {
        if ((f[3] ?? "").split(",").includes(user)) ids.push(g.byName.get(name)!);
      }
    } else ids = [ctx.sys.getegid(), ...ctx.sys.getgroups().filter((x) => x !== ctx.sys.getegid())];
    const names = ids.map((i) => g.byId.get(i) ?? String(i));
    await ctx.out.write((user !== undefined ? `${user} : ` : "") + names.join(" ") + "\n");
    return 0;
  },
});

/**
 * `uptime`: time, time since boot, load averages (from /proc).
 *
 * @example
 * ```ts ignore
 * await uptime(sys, ["uptime"]);
 * ```
 */
export const uptime = applet({
  name: "uptime",
  usage: "uptime\n\nDisplay the time since the last boot",
  spec: { flags: "ps", long: { pretty: "p", since: "s" } },
  async run(ctx, opts) {
    const up = await readText(ctx.sys, "/proc/uptime");
    const load = await readText(ctx.sys, "/proc/loadavg");
    if (isErrno(up)) {
      await ctx.fail("/proc/uptime", up);
      return 1;
    }
    const sec = Math.floor(Number(up.split(" ")[0]));
    const now = ctx.sys.clock_gettime(0);
    const nowSec = isErrno(now) ? 0 : now.sec;
    const d = new Date(nowSec * 1000);
    const p2 = (n: number) => String(n).padStart(2, "0");
    if (opts.has("s")) {
      const b = new Date((nowSec - sec) * 1000);
      await ctx.out.write(
        `${b.getUTCFullYear()}-${p2(b.getUTCMonth() + 1)}-${p2(b.getUTCDate())} ${
          p2(b.getUTCHours())
        }:${p2(b.getUTCMinutes())}:${p2(b.getUTCSeconds())}\n`,
      );
      return 0;
    }
    const days = Math.floor(sec / 86400);
    const h = Math.floor((sec % 86400) / 3600);
    const m = Math.floor((sec % 3600) / 60);
    if (opts.has("p")) {
      const parts = [
        days && `${days} day${days > 1 ? "s" : ""}`,
        h && `${h} hour${h > 1 ? "s" : ""}`,
        `${m} minute${m === 1 ? "" : "s"}`,
      ].filter(Boolean);
      await ctx.out.write(`up ${parts.join(", ")}\n`);
      return 0;
    }
    const upText = (days ? `${days} day${days > 1 ? "s" : ""}, ` : "") +
      (h ? `${h}:${p2(m)}` : `${m} min`);
    const avg = isErrno(load) ? "0.00, 0.00, 0.00" : load.split(" ").slice(0, 3).join(", ");
    await ctx.out.write(
      ` ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${
        p2(d.getUTCSeconds())
      } up ${upText},  0 users,  load average: ${avg}\n`,
    );
    return 0;
  },
});

/**
 * `usleep N`: sleep N microseconds.
 *
 * @example
 * ```ts ignore
 * await usleep(sys, ["usleep", "1000"]);
 * ```
 */
export const usleep = applet({
  name: "usleep",
  usage: "usleep N\n\nPause for N microseconds",
  async run(ctx, opts) {
    const n = Number(opts.operands[0]);
    if (!Number.isInteger(n) || n < 0) {
      await ctx.usageError("missing operand");
      return 1;
    }
    const r = await ctx.sys.nanosleep({ sec: Math.floor(n / 1e6), nsec: (n % 1e6) * 1000 });
    return isErrno(r) ? 1 : 0;
  },
});
