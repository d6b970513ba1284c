/**
 * IPC limits of one namespace, as `/proc/sys/kernel/{msgmax,msgmnb,msgmni,sem,shmmax,
 * shmall,shmmni}` and `/proc/sys/fs/mqueue/*` show them (Linux defaults).
 *
 * @module
 */
import { Errno } from "../errno.ts";

/** The tunables. */
export interface IpcLimits {
  /** Largest message (`msgmax`). */
  msgmax: number;
  /** Default byte limit of a queue (`msgmnb`). */
  msgmnb: number;
  /** Maximum number of queues (`msgmni`). */
  msgmni: number;
  /** Semaphores per set (`semmsl`). */
  semmsl: number;
  /** Semaphores in the namespace (`semmns`). */
  semmns: number;
  /** Operations per `semop` (`semopm`). */
  semopm: number;
  /** Number of semaphore sets (`semmni`). */
  semmni: number;
  /** Largest segment in bytes (`shmmax`). */
  shmmax: number;
  /** Total shared memory in pages (`shmall`). */
  shmall: number;
  /** Number of segments (`shmmni`). */
  shmmni: number;
  /** POSIX queues in the namespace (`queues_max`). */
  mqQueuesMax: number;
  /** Largest `mq_maxmsg` (`msg_max`). */
  mqMsgMax: number;
  /** Largest `mq_msgsize` (`msgsize_max`). */
  mqMsgsizeMax: number;
  /** Default `mq_maxmsg` (`msg_default`). */
  mqMsgDefault: number;
  /** Default `mq_msgsize` (`msgsize_default`). */
  mqMsgsizeDefault: number;
}

/** Largest value of a semaphore (`SEMVMX`). */
export const SEMVMX = 32767;

/**
 * Linux's default limits.
 *
 * @returns A fresh limits object.
 * @example
 * ```ts
 * import { defaultIpcLimits } from "./ipc_limits.ts";
 * console.assert(defaultIpcLimits().msgmnb === 16384);
 * ```
 */
export function defaultIpcLimits(): IpcLimits {
  return {
    msgmax: 8192,
    msgmnb: 16384,
    msgmni: 32000,
    semmsl: 32000,
    semmns: 1024000000,
    semopm: 500,
    semmni: 32000,
    shmmax: Number.MAX_SAFE_INTEGER,
    shmall: Number.MAX_SAFE_INTEGER,
    shmmni: 4096,
    mqQueuesMax: 256,
    mqMsgMax: 10,
    mqMsgsizeMax: 8192,
    mqMsgDefault: 10,
    mqMsgsizeDefault: 8192,
  };
}

/** The sysctl files this module serves, relative to `/proc/sys/`. */
export const IPC_SYSCTL_FILES: readonly string[] = [
  "kernel/msgmax",
  "kernel/msgmnb",
  "kernel/msgmni",
  "kernel/sem",
  "kernel/shmmax",
  "kernel/shmall",
  "kernel/shmmni",
  "fs/mqueue/queues_max",
  "fs/mqueue/msg_max",
  "fs/mqueue/msgsize_max",
  "fs/mqueue/msg_default",
  "fs/mqueue/msgsize_default",
];

const SIMPLE: Record<string, keyof IpcLimits> = {
  "kernel/msgmax": "msgmax",
  "kernel/msgmnb": "msgmnb",
  "kernel/msgmni": "msgmni",
  "kernel/shmmax": "shmmax",
  "kernel/shmall": "shmall",
  "kernel/shmmni": "shmmni",
  "fs/mqueue/queues_max": "mqQueuesMax",
  "fs/mqueue/msg_max": "mqMsgMax",
  "fs/mqueue/msgsize_max": "mqMsgsizeMax",
  "fs/mqueue/msg_default": "mqMsgDefault",
  "fs/mqueue/msgsize_default": "mqMsgsizeDefault",
};

/**
 * The text of a sysctl file (for procfs).
 *
 * @param limits The namespace's limits.
 * @param name Path under `/proc/sys/`, e.g. `kernel/msgmnb`.
 * @returns The file's text (with newline), or `ENOENT`.
 */
export function readIpcSysctl(limits: IpcLimits, name: string): string | Errno {
  if (name === "kernel/sem") {
    return `${limits.semmsl}\t${limits.semmns}\t${limits.semopm}\t${limits.semmni}\n`;
  }
  const k = SIMPLE[name];
  return k ? `${limits[k]}\n` : Errno.ENOENT;
}

/** Linux `INT_MAX`: the top of an `int` sysctl. */
const INT_MAX = 2 ** 31 - 1;
/** Linux `IPCMNI`: the top of `msgmni`, `shmmni` and `semmni`. */
const IPC_MNI = 32768;
/** `unsigned long` sysctls (`shmmax`, `shmall`) take up to 2^64-1; kept as a safe integer. */
const ULONG_MAX = (1n << 64n) - 1n;

/**
 * The range Linux's handler accepts per file (`proc_dointvec_minmax` bounds in
 * `ipc/ipc_sysctl.c` and `ipc/mq_sysctl.c`); "ulong" files take 0..2^64-1.
 */
const RANGES: Record<keyof IpcLimits, [number, number] | "ulong"> = {
  msgmax: [0, INT_MAX],
  msgmnb: [0, INT_MAX],
  msgmni: [0, IPC_MNI],
  semmsl: [0, INT_MAX],
  semmns: [0, INT_MAX],
  semopm: [0, INT_MAX],
  semmni: [0, IPC_MNI],
  shmmax: "ulong",
  shmall: "ulong",
  shmmni: [0, IPC_MNI],
  mqQueuesMax: [0, INT_MAX],
  mqMsgMax: [1, 65536],
  mqMsgsizeMax: [128, 16 * 1024 * 1024],
  mqMsgDefault: [1, 65536],
  mqMsgsizeDefault: [128, 16 * 1024 * 1024],
};

/**
 * One number as the kernel's `proc_get_long` reads it: decimal, `0x` hex or leading-`0`
 * octal (`simple_strtoul` base 0), an optional sign; anything else is not a number.
 */
function parseSysctlNumber(word: string): bigint | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(word);
  if (!m) return undefined;
  const digits = m[2]!;
  const v = /^0[xX]/.test(digits)
    ? BigInt(digits)
    : digits.length > 1 && digits.startsWith("0")
    ? BigInt(`0o${digits.slice(1)}`)
    : BigInt(digits);
  return m[1] === "-" ? -v : v;
}

/** A value checked against a file's range, or undefined when out of it. */
function inRange(v: bigint, range: [number, number] | "ulong"): number | undefined {
  if (range === "ulong") {
    if (v < 0n || v > ULONG_MAX) return undefined;
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
  }
  if (v < BigInt(range[0]) || v > BigInt(range[1])) return undefined;
  return Number(v);
}

/**
 * Write a sysctl file (root in the namespace only; procfs checks that). Like Linux:
 * numbers are decimal, `0x` hex or `0` octal separated by white space; a value outside
 * the file's range (`msgmni` ≤ 32768, `fs/mqueue/msg_max` 1..65536, `msgsize_max`
 * 128..16 MiB, ints ≤ 2^31-1), a malformed or missing value is `EINVAL` and changes
 * nothing; `kernel/sem` takes up to four values (`semmsl semmns semopm semmni`) and
 * sets the ones given. Values above 2^53 in `shmmax`/`shmall` are kept as 2^53-1.
 *
 * @param limits The namespace's limits.
 * @param name Path under `/proc/sys/`.
 * @param text Written text.
 * @returns 0, `EINVAL` for a malformed or out-of-range value, `ENOENT` for an unknown
 *   file.
 * @example
 * ```ts
 * import { defaultIpcLimits, writeIpcSysctl } from "./ipc_limits.ts";
 * const l = defaultIpcLimits();
 * console.assert(writeIpcSysctl(l, "kernel/msgmnb", "1024\n") === 0 && l.msgmnb === 1024);
 * console.assert(writeIpcSysctl(l, "kernel/msgmni", "40000") < 0);
 * ```
 */
export function writeIpcSysctl(limits: IpcLimits, name: string, text: string): 0 | Errno {
  const keys: (keyof IpcLimits)[] = name === "kernel/sem"
    ? ["semmsl", "semmns", "semopm", "semmni"]
    : SIMPLE[name]
    ? [SIMPLE[name]!]
    : [];
  if (keys.length === 0) return Errno.ENOENT;
  const words = text.split(/[ \t\n]+/).filter((w) => w !== "");
  if (words.length === 0 || words.length > keys.length) return Errno.EINVAL;
  const values: number[] = [];
  for (const [i, w] of words.entries()) {
    const n = parseSysctlNumber(w);
    const v = n === undefined ? undefined : inRange(n, RANGES[keys[i]!]);
    if (v === undefined) return Errno.EINVAL;
    values.push(v);
  }
  values.forEach((v, i) => limits[keys[i]!] = v);
  return 0;
}
