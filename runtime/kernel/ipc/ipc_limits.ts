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

/**
 * Write a sysctl file (root in the namespace only; procfs checks that).
 *
 * @param limits The namespace's limits.
 * @param name Path under `/proc/sys/`.
 * @param text Written text.
 * @returns 0, `EINVAL` for a malformed value, `ENOENT` for an unknown file.
 */
export function writeIpcSysctl(limits: IpcLimits, name: string, text: string): 0 | Errno {
  const nums = text.trim().split(/\s+/).map(Number);
  if (nums.some((n) => !Number.isInteger(n) || n < 0)) return Errno.EINVAL;
  if (name === "kernel/sem") {
    if (nums.length !== 4) return Errno.EINVAL;
    [limits.semmsl, limits.semmns, limits.semopm, limits.semmni] = nums as [
      number,
      number,
      number,
      number,
    ];
    return 0;
  }
  const k = SIMPLE[name];
  if (!k) return Errno.ENOENT;
  if (nums.length !== 1) return Errno.EINVAL;
  limits[k] = nums[0]!;
  return 0;
}
