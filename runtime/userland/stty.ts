/**
 * `stty [-a|-g] [-F DEVICE] [SETTING]...`, as BusyBox's and coreutils': print or change
 * the attributes of the terminal on stdin (or DEVICE) through `TCGETS`/`TCSETS` and the
 * window size through `TIOCGWINSZ`/`TIOCSWINSZ`.
 *
 * Settings: flags by name (`echo`, `-echo`, `icanon`, `isig`, `icrnl`, `opost`, `onlcr`,
 * … `-` turns one off), the combinations `raw`/`-raw`/`cooked`, `cbreak`/`-cbreak`,
 * `sane`, `nl`/`-nl`; control characters (`intr ^C`, `erase ^?`, `eof ^D`, `undef`);
 * `min N`, `time N`, `rows N`, `cols N`/`columns N`, `size`, and a `-g` string given back.
 *
 * @module
 */
import { Errno } from "../kernel/errno.ts";
import { AT, O } from "../kernel/syscalls/api.ts";
import {
  CFLAG,
  decodeTermios,
  encodeTermios,
  IFLAG,
  LFLAG,
  NCCS,
  OFLAG,
  saneTermios,
  TC,
  type Termios,
  TERMIOS_SIZE,
  V,
} from "../kernel/syscalls/termios.ts";
import { applet, isErrno } from "./_applet.ts";

const TIOCGWINSZ = 0x5413, TIOCSWINSZ = 0x5414;

type Field = "iflag" | "oflag" | "cflag" | "lflag";

/** Flags by name, in `stty -a` order per field. */
const FLAGS: [Field, string, number][] = [
  ["cflag", "parenb", CFLAG.PARENB],
  ["cflag", "parodd", CFLAG.PARODD],
  ["cflag", "cs8", CFLAG.CS8],
  ["cflag", "hupcl", CFLAG.HUPCL],
  ["cflag", "cstopb", CFLAG.CSTOPB],
  ["cflag", "cread", CFLAG.CREAD],
  ["cflag", "clocal", CFLAG.CLOCAL],
  ["cflag", "crtscts", CFLAG.CRTSCTS],
  ...Object.entries(IFLAG).map(([k, v]): [Field, string, number] => ["iflag", k.toLowerCase(), v]),
  ...Object.entries(OFLAG).map(([k, v]): [Field, string, number] => ["oflag", k.toLowerCase(), v]),
  ...Object.entries(LFLAG).map(([k, v]): [Field, string, number] => ["lflag", k.toLowerCase(), v]),
];

/** Control characters by name, in `stty -a` order. */
const CHARS: [string, number][] = [
  ["intr", V.INTR],
  ["quit", V.QUIT],
  ["erase", V.ERASE],
  ["kill", V.KILL],
  ["eof", V.EOF],
  ["eol", V.EOL],
  ["eol2", V.EOL2],
  ["swtch", V.SWTC],
  ["start", V.START],
  ["stop", V.STOP],
  ["susp", V.SUSP],
  ["rprnt", V.REPRINT],
  ["werase", V.WERASE],
  ["lnext", V.LNEXT],
  ["discard", V.DISCARD],
];

const RAW_IFLAGS = IFLAG.IGNBRK | IFLAG.BRKINT | IFLAG.IGNPAR | IFLAG.PARMRK | IFLAG.INPCK |
  IFLAG.ISTRIP | IFLAG.INLCR | IFLAG.IGNCR | IFLAG.ICRNL | IFLAG.IXON | IFLAG.IXOFF |
  IFLAG.IUCLC | IFLAG.IXANY | IFLAG.IMAXBEL;

/** A control character as `stty` shows it: `^C`, `^?`, `<undef>`. */
function showChar(c: number): string {
  if (c === 0) return "<undef>";
  if (c === 127) return "^?";
  if (c < 32) return "^" + String.fromCharCode(c + 64);
  return String.fromCharCode(c);
}

/** `^C`, `^?`, `undef`, `^-`, a single character or a number → the byte, or null. */
function parseChar(s: string): number | null {
  if (s === "undef" || s === "^-" || s === "") return 0;
  if (s === "^?") return 127;
  if (s.length === 2 && s[0] === "^") return s.toUpperCase().charCodeAt(1) & 0x1f;
  if (s.length === 1) return s.charCodeAt(0);
  if (/^(0x[0-9a-f]+|0[0-7]*|[1-9]\d*)$/i.test(s)) {
    const n = Number(s.startsWith("0") && !/^0x/i.test(s) ? parseInt(s, 8) : s);
    return n <= 255 ? n : null;
  }
  return null;
}

/** The `-g` form: `iflag:oflag:cflag:lflag:cc0:…:cc18` in hex, as coreutils. */
function saveForm(t: Termios): string {
  return [t.iflag, t.oflag, t.cflag, t.lflag, ...t.cc].map((n) => n.toString(16)).join(":");
}

function parseSaveForm(s: string): Termios | null {
  const parts = s.split(":");
  if (parts.length !== 4 + NCCS || !parts.every((p) => /^[0-9a-f]+$/i.test(p))) return null;
  const n = parts.map((p) => parseInt(p, 16));
  return {
    iflag: n[0]!,
    oflag: n[1]!,
    cflag: n[2]!,
    lflag: n[3]!,
    line: 0,
    cc: Uint8Array.from(n.slice(4), (x) => x & 0xff),
  };
}

/** Apply one setting (and its argument when it takes one); returns how many words it used, or an error. */
function apply(
  t: Termios,
  win: { rows: number; cols: number },
  args: string[],
  i: number,
): number | string {
  const word = args[i]!;
  const off = word.startsWith("-");
  const name = off ? word.slice(1) : word;
  const set = (f: Field, bits: number, on: boolean) => {
    t[f] = on ? t[f] | bits : t[f] & ~bits;
  };
  const flag = FLAGS.find(([, n]) => n === name);
  if (flag) {
    set(flag[0], flag[2], !off);
    return 1;
  }
  switch (name) {
    case "raw":
    case "cooked": {
      const raw = (name === "raw") !== off;
      if (raw) {
        set("iflag", RAW_IFLAGS, false);
        set("oflag", OFLAG.OPOST, false);
        set("lflag", LFLAG.ISIG | LFLAG.ICANON | LFLAG.XCASE | LFLAG.IEXTEN, false);
        t.cc[V.MIN] = 1;
        t.cc[V.TIME] = 0;
      } else {
        set("iflag", IFLAG.BRKINT | IFLAG.IGNPAR | IFLAG.ICRNL | IFLAG.IXON, true);
        set("oflag", OFLAG.OPOST, true);
        set("lflag", LFLAG.ISIG | LFLAG.ICANON | LFLAG.IEXTEN, true);
        t.cc[V.EOF] = 4;
        t.cc[V.EOL] = 0;
      }
      return 1;
    }
    case "cbreak":
      set("lflag", LFLAG.ICANON, off);
      return 1;
    case "nl":
      set("iflag", IFLAG.ICRNL, off);
      if (!off) set("iflag", IFLAG.INLCR | IFLAG.IGNCR, false);
      set("oflag", OFLAG.ONLCR, off);
      return 1;
    case "sane":
      if (off) return `invalid argument '${word}'`;
      Object.assign(t, saneTermios());
      return 1;
  }
  if (off) return `invalid argument '${word}'`;
  const value = args[i + 1];
  const ch = CHARS.find(([n]) => n === name);
  const numeric = ["min", "time", "rows", "cols", "columns"].includes(name);
  if (!ch && !numeric) {
    const saved = parseSaveForm(word);
    if (saved) {
      Object.assign(t, saved);
      return 1;
    }
    return `invalid argument '${word}'`;
  }
  if (value === undefined) return `missing argument to '${word}'`;
  if (ch) {
    const c = parseChar(value);
    if (c === null) return `invalid integer argument: '${value}'`;
    t.cc[ch[1]] = c;
    return 2;
  }
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(n >= 0) || (n > 255 && (name === "min" || name === "time")) || n > 65535) {
    return `invalid integer argument: '${value}'`;
  }
  if (name === "min") t.cc[V.MIN] = n;
  else if (name === "time") t.cc[V.TIME] = n;
  else if (name === "rows") win.rows = n;
  else win.cols = n;
  return 2;
}

/** `stty -a`: everything, as coreutils prints it. */
function showAll(t: Termios, win: { rows: number; cols: number }): string {
  const chars = CHARS.map(([n, i]) => `${n} = ${showChar(t.cc[i] ?? 0)};`);
  chars.push(`min = ${t.cc[V.MIN]}; time = ${t.cc[V.TIME]};`);
  const field = (f: Field) =>
    FLAGS.filter(([g]) => g === f).map(([, n, b]) => ((t[f] & b) === b ? n : "-" + n)).join(" ");
  return `speed 38400 baud; rows ${win.rows}; columns ${win.cols}; line = ${t.line};\n` +
    `${chars.join(" ")}\n${field("cflag")}\n${field("iflag")}\n${field("oflag")}\n${
      field("lflag")
    }\n`;
}

/** `stty` alone: what differs from `sane`. */
function showChanged(t: Termios): string {
  const sane = saneTermios();
  const diff = FLAGS.filter(([f, , b]) => (t[f] & b) !== (sane[f] & b))
    .map(([f, n, b]) => ((t[f] & b) === b ? n : "-" + n));
  const chars = CHARS.filter(([, i]) => t.cc[i] !== sane.cc[i])
    .map(([n, i]) => `${n} = ${showChar(t.cc[i] ?? 0)};`);
  if (t.cc[V.MIN] !== sane.cc[V.MIN] || t.cc[V.TIME] !== sane.cc[V.TIME]) {
    chars.push(`min = ${t.cc[V.MIN]}; time = ${t.cc[V.TIME]};`);
  }
  let out = `speed 38400 baud; line = ${t.line};\n`;
  if (chars.length) out += chars.join(" ") + "\n";
  if (diff.length) out += diff.join(" ") + "\n";
  return out;
}

/**
 * The `stty` applet. Exit status 0, or 1 on a bad setting or when the file is not a
 * terminal ("Inappropriate ioctl for device").
 *
 * @example
 * ```ts ignore
 * await stty(sys, ["stty", "-echo"]);
 * ```
 */
export const stty = applet({
  name: "stty",
  usage: "stty [-a|g] [-F DEVICE] [SETTING]...\n\n" +
    "Without arguments, prints baud rate, line discipline,\n" +
    "and deviations from stty sane\n\n" +
    "\t-F DEV\tOpen device instead of stdin\n" +
    "\t-a\tPrint all current settings in human-readable form\n" +
    "\t-g\tPrint in stty-readable form\n" +
    "\t[SETTING]\tSee manpage",
  raw: true,
  async run(ctx, opts) {
    const sys = ctx.sys;
    const args = [...opts.operands];
    let fd = 0, name = "standard input", mode: "a" | "g" | "" = "";
    const settings: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a === "-a" || a === "--all") mode = "a";
      else if (a === "-g" || a === "--save") mode = "g";
      else if (a === "-F" || a === "--file" || a.startsWith("--file=")) {
        const path = a.startsWith("--file=") ? a.slice(7) : args[++i];
        if (path === undefined) {
          await ctx.usageError("option requires an argument -- 'F'");
          return 1;
        }
        const f = await sys.openat(AT.FDCWD, path, O.RDWR | O.NOCTTY | O.NONBLOCK, 0);
        if (isErrno(f)) {
          await ctx.fail(path, f);
          return 1;
        }
        fd = f;
        name = path;
      } else settings.push(a);
    }
    const buf = new Uint8Array(TERMIOS_SIZE);
    const got = sys.ioctl(fd, TC.GETS, buf);
    const t = got === 0 ? decodeTermios(buf) : null;
    if (!t) {
      await ctx.fail(name, isErrno(got) ? got : Errno.ENOTTY);
      return 1;
    }
    const ws = sys.ioctl(fd, TIOCGWINSZ);
    const win = typeof ws === "object" ? { ...ws } : { rows: 0, cols: 0 };
    if (settings.length === 0) {
      if (mode === "a") await ctx.out.write(showAll(t, win));
      else if (mode === "g") await ctx.out.write(saveForm(t) + "\n");
      else await ctx.out.write(showChanged(t));
      return 0;
    }
    if (mode) {
      await ctx.error("when specifying an output style, modes may not be set");
      return 1;
    }
    if (settings.length === 1 && settings[0] === "size") {
      await ctx.out.write(`${win.rows} ${win.cols}\n`);
      return 0;
    }
    const before = { ...win };
    for (let i = 0; i < settings.length;) {
      const used = apply(t, win, settings, i);
      if (typeof used === "string") {
        await ctx.usageError(used);
        return 1;
      }
      i += used;
    }
    encodeTermios(t, buf);
    const set = sys.ioctl(fd, TC.SETSW, buf);
    if (set !== 0) {
      await ctx.fail(name, isErrno(set) ? set : Errno.ENOTTY);
      return 1;
    }
    if (win.rows !== before.rows || win.cols !== before.cols) sys.ioctl(fd, TIOCSWINSZ, win);
    return 0;
  },
});
