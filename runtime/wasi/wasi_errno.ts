/**
 * WASI preview1 error numbers and the exact translation from the kernel's (Linux)
 * errno values. WASI numbers errors alphabetically, so almost every value differs
 * from Linux's.
 *
 * @module
 */
import type { Errno } from "../kernel/errno.ts";

/** `wasi_snapshot_preview1` `errno` values. */
export enum WasiErrno {
  SUCCESS = 0,
  TOOBIG = 1,
  ACCES = 2,
  ADDRINUSE = 3,
  ADDRNOTAVAIL = 4,
  AFNOSUPPORT = 5,
  AGAIN = 6,
  ALREADY = 7,
  BADF = 8,
  BADMSG = 9,
  BUSY = 10,
  CANCELED = 11,
  CHILD = 12,
  CONNABORTED = 13,
  CONNREFUSED = 14,
  CONNRESET = 15,
  DEADLK = 16,
  DESTADDRREQ = 17,
  DOM = 18,
  DQUOT = 19,
  EXIST = 20,
  FAULT = 21,
  FBIG = 22,
  HOSTUNREACH = 23,
  IDRM = 24,
  ILSEQ = 25,
  INPROGRESS = 26,
  INTR = 27,
  INVAL = 28,
  IO = 29,
  ISCONN = 30,
  ISDIR = 31,
  LOOP = 32,
  MFILE = 33,
  MLINK = 34,
  MSGSIZE = 35,
  MULTIHOP = 36,
  NAMETOOLONG = 37,
  NETDOWN = 38,
  NETRESET = 39,
  NETUNREACH = 40,
  NFILE = 41,
  NOBUFS = 42,
  NODEV = 43,
  NOENT = 44,
  NOEXEC = 45,
  NOLCK = 46,
  NOLINK = 47,
  NOMEM = 48,
  NOMSG = 49,
  NOPROTOOPT = 50,
  NOSPC = 51,
  NOSYS = 52,
  NOTCONN = 53,
  NOTDIR = 54,
  NOTEMPTY = 55,
  NOTRECOVERABLE = 56,
  NOTSOCK = 57,
  NOTSUP = 58,
  NOTTY = 59,
  NXIO = 60,
  OVERFLOW = 61,
  OWNERDEAD = 62,
  PERM = 63,
  PIPE = 64,
  PROTO = 65,
  PROTONOSUPPORT = 66,
  PROTOTYPE = 67,
  RANGE = 68,
  ROFS = 69,
  SPIPE = 70,
  SRCH = 71,
  STALE = 72,
  TIMEDOUT = 73,
  TXTBSY = 74,
  XDEV = 75,
  NOTCAPABLE = 76,
}

/** Linux errno magnitude → WASI errno. Linux values with no WASI name map to the nearest. */
const LINUX_TO_WASI: ReadonlyMap<number, WasiErrno> = new Map<number, WasiErrno>([
  [1, WasiErrno.PERM],
  [2, WasiErrno.NOENT],
  [3, WasiErrno.SRCH],
  [4, WasiErrno.INTR],
  [5, WasiErrno.IO],
  [6, WasiErrno.NXIO],
  [7, WasiErrno.TOOBIG],
  [8, WasiErrno.NOEXEC],
  [9, WasiErrno.BADF],
  [10, WasiErrno.CHILD],
  [11, WasiErrno.AGAIN],
  [12, WasiErrno.NOMEM],
  [13, WasiErrno.ACCES],
  [14, WasiErrno.FAULT],
  [15, WasiErrno.NODEV], // ENOTBLK
  [16, WasiErrno.BUSY],
  [17, WasiErrno.EXIST],
  [18, WasiErrno.XDEV],
  [19, WasiErrno.NODEV],
  [20, WasiErrno.NOTDIR],
  [21, WasiErrno.ISDIR],
  [22, WasiErrno.INVAL],
  [23, WasiErrno.NFILE],
  [24, WasiErrno.MFILE],
  [25, WasiErrno.NOTTY],
  [26, WasiErrno.TXTBSY],
  [27, WasiErrno.FBIG],
  [28, WasiErrno.NOSPC],
  [29, WasiErrno.SPIPE],
  [30, WasiErrno.ROFS],
  [31, WasiErrno.MLINK],
  [32, WasiErrno.PIPE],
  [33, WasiErrno.DOM],
  [34, WasiErrno.RANGE],
  [35, WasiErrno.DEADLK],
  [36, WasiErrno.NAMETOOLONG],
  [37, WasiErrno.NOLCK],
  [38, WasiErrno.NOSYS],
  [39, WasiErrno.NOTEMPTY],
  [40, WasiErrno.LOOP],
  [42, WasiErrno.NOMSG],
  [43, WasiErrno.IDRM],
  [60, WasiErrno.NOSYS], // ENOSTR
  [61, WasiErrno.NOMSG], // ENODATA
  [62, WasiErrno.TIMEDOUT], // ETIME
  [67, WasiErrno.NOLINK],
  [71, WasiErrno.PROTO],
  [72, WasiErrno.MULTIHOP],
  [74, WasiErrno.BADMSG],
  [75, WasiErrno.OVERFLOW],
  [77, WasiErrno.BADF], // EBADFD
  [84, WasiErrno.ILSEQ],
  [88, WasiErrno.NOTSOCK],
  [89, WasiErrno.DESTADDRREQ],
  [90, WasiErrno.MSGSIZE],
  [91, WasiErrno.PROTOTYPE],
  [92, WasiErrno.NOPROTOOPT],
  [93, WasiErrno.PROTONOSUPPORT],
  [95, WasiErrno.NOTSUP],
  [97, WasiErrno.AFNOSUPPORT],
  [98, WasiErrno.ADDRINUSE],
  [99, WasiErrno.ADDRNOTAVAIL],
  [100, WasiErrno.NETDOWN],
  [101, WasiErrno.NETUNREACH],
  [102, WasiErrno.NETRESET],
  [103, WasiErrno.CONNABORTED],
  [104, WasiErrno.CONNRESET],
  [105, WasiErrno.NOBUFS],
  [106, WasiErrno.ISCONN],
  [107, WasiErrno.NOTCONN],
  [110, WasiErrno.TIMEDOUT],
  [111, WasiErrno.CONNREFUSED],
  [113, WasiErrno.HOSTUNREACH],
  [114, WasiErrno.ALREADY],
  [115, WasiErrno.INPROGRESS],
  [116, WasiErrno.STALE],
  [122, WasiErrno.DQUOT],
  [125, WasiErrno.CANCELED],
  [130, WasiErrno.OWNERDEAD],
  [131, WasiErrno.NOTRECOVERABLE],
]);

/**
 * Translate a kernel errno (negative Linux value) to WASI's numbering.
 *
 * @param errno a kernel `Errno` (negative)
 * @returns the WASI errno (`IO` for a Linux error WASI has no equivalent for)
 * @example
 * ```ts
 * import { Errno } from "../kernel/errno.ts";
 * import { toWasiErrno, WasiErrno } from "./wasi_errno.ts";
 * console.assert(toWasiErrno(Errno.ENOENT) === WasiErrno.NOENT); // 2 -> 44
 * ```
 */
export function toWasiErrno(errno: Errno | number): WasiErrno {
  return LINUX_TO_WASI.get(-errno) ?? WasiErrno.IO;
}
