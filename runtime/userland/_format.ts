/**
 * Formatting shared by applets: `ls -l` mode strings, human sizes, dates, and user and
 * group names from `/etc/passwd` and `/etc/group`.
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import type { Syscalls, Timespec } from "../kernel/syscalls/api.ts";
import { readText } from "./_io.ts";

/**
 * The 10-character mode of `ls -l`, e.g. `drwxr-xr-x`, `-rwsr-xr-x`, `lrwxrwxrwx`.
 *
 * @param mode `st_mode`.
 * @returns The mode string.
 * @example
 * ```ts
 * import { modeString } from "./_format.ts";
 * console.assert(modeString(0o100644) === "-rw-r--r--");
 * ```
 */
export function modeString(mode: number): string {
  const types: Record<number, string> = {
    0o140000: "s",
    0o120000: "l",
    0o100000: "-",
    0o060000: "b",
    0o040000: "d",
    0o020000: "c",
    0o010000: "p",
  };
  let s = types[mode & 0o170000] ?? "?";
  const bit = (m: number, c: string) => (mode & m ? c : "-");
  const special = (x: number, sp: number, lower: string, upper: string) =>
    mode & sp ? (mode & x ? lower : upper) : (mode & x ? "x" : "-");
  s += bit(0o400, "r") + bit(0o200, "w") + special(0o100, 0o4000, "s", "S");
  s += bit(0o040, "r") + bit(0o020, "w") + special(0o010, 0o2000, "s", "S");
  s += bit(0o004, "r") + bit(0o002, "w") + special(0o001, 0o1000, "t", "T");
  return s;
}

/**
 * A size as `ls -h`/`du -h`/`df -h` print it: 1023, 1.0K, 12K, 1.5M (powers of 1024,
 * rounded up, one decimal under 10).
 *
 * @param n Bytes.
 * @returns The human size.
 * @example
 * ```ts
 * import { humanSize } from "./_format.ts";
 * console.assert(humanSize(1536) === "1.5K" && humanSize(20480) === "20K");
 * ```
 */
export function humanSize(n: number): string {
  if (n < 1024) return String(n);
  const units = "KMGTPE";
  let v = n;
  let u = -1;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  if (v < 10) {
    const r = Math.ceil(v * 10) / 10;
    if (r < 10) return `${r.toFixed(1)}${units[u]}`;
    v = r;
  }
  const r = Math.ceil(v);
  if (r >= 1024 && u < units.length - 1) return `1.0${units[u + 1]}`;
  return `${r}${units[u]}`;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/**
 * The date column of `ls -l`: `Nov 25 20:25` within six months, else `Nov 25  2025`.
 * Times are UTC (the kernel has no time zones).
 *
 * @param t File time.
 * @param nowSec Current time in seconds.
 * @returns The column text.
 */
export function lsTime(t: Timespec, nowSec: number): string {
  const d = new Date(t.sec * 1000);
  const head = `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, " ")}`;
  const sixMonths = 15778476;
  if (t.sec > nowSec - sixMonths && t.sec <= nowSec + 3600) {
    return `${head} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`;
  }
  return `${head}  ${d.getUTCFullYear()}`;
}

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

/**
 * `strftime` for the conversions `date` uses: `%Y %m %d %H %M %S %y %b %a %A %B %e %j %s
 * %T %D %F %R %Z %z %n %t %%` (UTC).
 *
 * @param fmt Format.
 * @param ms Milliseconds since the epoch.
 * @returns Formatted text.
 * @example
 * ```ts
 * import { strftime } from "./_format.ts";
 * console.assert(strftime("%F %T", 0) === "1970-01-01 00:00:00");
 * ```
 */
export function strftime(fmt: string, ms: number): string {
  const d = new Date(ms);
  const Y = d.getUTCFullYear();
  const start = Date.UTC(Y, 0, 1);
  const map: Record<string, () => string> = {
    Y: () => String(Y),
    y: () => pad2(Y % 100),
    m: () => pad2(d.getUTCMonth() + 1),
    d: () => pad2(d.getUTCDate()),
    e: () => String(d.getUTCDate()).padStart(2, " "),
    H: () => pad2(d.getUTCHours()),
    I: () => pad2(((d.getUTCHours() + 11) % 12) + 1),
    p: () => (d.getUTCHours() < 12 ? "AM" : "PM"),
    M: () => pad2(d.getUTCMinutes()),
    S: () => pad2(d.getUTCSeconds()),
    N: () => String((ms % 1000) * 1e6).padStart(9, "0"),
    b: () => MONTHS[d.getUTCMonth()]!,
    h: () => MONTHS[d.getUTCMonth()]!,
    B: () => new Date(ms).toLocaleString("en-US", { month: "long", timeZone: "UTC" }),
    a: () => DAYS[d.getUTCDay()]!,
    A: () => new Date(ms).toLocaleString("en-US", { weekday: "long", timeZone: "UTC" }),
    j: () => String(Math.floor((ms - start) / 86400000) + 1).padStart(3, "0"),
    s: () => String(Math.floor(ms / 1000)),
    u: () => String(d.getUTCDay() || 7),
    w: () => String(d.getUTCDay()),
    Z: () => "UTC",
    z: () => "+0000",
    n: () => "\n",
    t: () => "\t",
    "%": () => "%",
  };
  map.T = () => `${map.H!()}:${map.M!()}:${map.S!()}`;
  map.D = () => `${map.m!()}/${map.d!()}/${map.y!()}`;
  map.F = () => `${map.Y!()}-${map.m!()}-${map.d!()}`;
  map.R = () => `${map.H!()}:${map.M!()}`;
  map.c = () => `${map.a!()} ${map.b!()} ${map.e!()} ${map.T!()} ${map.Y!()}`;
  return fmt.replace(/%(.)/g, (all, c: string) => (map[c] ? map[c]() : all));
}

/** A parsed `/etc/passwd` or `/etc/group` database: id ↔ name. */
export interface NameDb {
  /** Name for an id, or undefined. */
  byId: Map<number, string>;
  /** Id for a name, or undefined. */
  byName: Map<string, number>;
  /** Raw fields per name (passwd: name:x:uid:gid:gecos:home:shell). */
  rows: Map<string, string[]>;
}

/**
 * Read `/etc/passwd` (`"passwd"`) or `/etc/group` (`"group"`). A missing file gives an
 * empty database.
 *
 * @param sys System calls.
 * @param which Which database.
 * @returns The database.
 */
export async function readNameDb(sys: Syscalls, which: "passwd" | "group"): Promise<NameDb> {
  const db: NameDb = { byId: new Map(), byName: new Map(), rows: new Map() };
  const text = await readText(sys, `/etc/${which}`);
  if (isErrno(text)) return db;
  for (const line of text.split("\n")) {
    const f = line.split(":");
    if (f.length < 3 || !f[0]) continue;
    const id = Number(f[2]);
    if (!Number.isInteger(id)) continue;
    if (!db.byId.has(id)) db.byId.set(id, f[0]);
    db.byName.set(f[0], id);
    db.rows.set(f[0], f);
  }
  return db;
}
