/**
 * Error numbers of the emulated kernel: the names and magnitudes of Linux x86_64, stored
 * negated so that a system call returns either a result (>= 0, or an object) or an
 * `Errno` (< 0), as raw Linux system calls do.
 *
 * @module
 */

/**
 * Linux errno values, negated. `Errno.ENOENT === -2`.
 *
 * @example
 * ```ts
 * import { Errno, errnoName } from "./errno.ts";
 * const r: number = Errno.ENOENT;
 * if (r < 0) console.log(errnoName(r)); // "ENOENT"
 * ```
 */
export enum Errno {
  EPERM = -1,
  ENOENT = -2,
  ESRCH = -3,
  EINTR = -4,
  EIO = -5,
  ENXIO = -6,
  E2BIG = -7,
  ENOEXEC = -8,
  EBADF = -9,
  ECHILD = -10,
  EAGAIN = -11,
  ENOMEM = -12,
  EACCES = -13,
  EFAULT = -14,
  ENOTBLK = -15,
  EBUSY = -16,
  EEXIST = -17,
  EXDEV = -18,
  ENODEV = -19,
  ENOTDIR = -20,
  EISDIR = -21,
  EINVAL = -22,
  ENFILE = -23,
  EMFILE = -24,
  ENOTTY = -25,
  ETXTBSY = -26,
  EFBIG = -27,
  ENOSPC = -28,
  ESPIPE = -29,
  EROFS = -30,
  EMLINK = -31,
  EPIPE = -32,
  EDOM = -33,
  ERANGE = -34,
  EDEADLK = -35,
  ENAMETOOLONG = -36,
  ENOLCK = -37,
  ENOSYS = -38,
  ENOTEMPTY = -39,
  ELOOP = -40,
  ENOMSG = -42,
  EIDRM = -43,
  ENOSTR = -60,
  ENODATA = -61,
  ETIME = -62,
  EOVERFLOW = -75,
  EBADFD = -77,
  EILSEQ = -84,
  EUSERS = -87,
  ENOTSOCK = -88,
  EMSGSIZE = -90,
  ENOPROTOOPT = -92,
  EOPNOTSUPP = -95,
  EAFNOSUPPORT = -97,
  EADDRINUSE = -98,
  ECONNRESET = -104,
  ENOBUFS = -105,
  ENOTCONN = -107,
  ETIMEDOUT = -110,
  ECONNREFUSED = -111,
  EALREADY = -114,
  EINPROGRESS = -115,
  ESTALE = -116,
  EDQUOT = -122,
  ECANCELED = -125,
  EOWNERDEAD = -130,
}

/** `EWOULDBLOCK` is `EAGAIN` on Linux. */
export const EWOULDBLOCK: Errno = Errno.EAGAIN;
/** `ENOTSUP` is `EOPNOTSUPP` on Linux. */
export const ENOTSUP: Errno = Errno.EOPNOTSUPP;

const MESSAGES: Record<string, string> = {
  EPERM: "Operation not permitted",
  ENOENT: "No such file or directory",
  ESRCH: "No such process",
  EINTR: "Interrupted system call",
  EIO: "Input/output error",
  ENXIO: "No such device or address",
  E2BIG: "Argument list too long",
  ENOEXEC: "Exec format error",
  EBADF: "Bad file descriptor",
  ECHILD: "No child processes",
  EAGAIN: "Resource temporarily unavailable",
  ENOMEM: "Cannot allocate memory",
  EACCES: "Permission denied",
  EFAULT: "Bad address",
  EBUSY: "Device or resource busy",
  EEXIST: "File exists",
  EXDEV: "Invalid cross-device link",
  ENODEV: "No such device",
  ENOTDIR: "Not a directory",
  EISDIR: "Is a directory",
  EINVAL: "Invalid argument",
  ENFILE: "Too many open files in system",
  EMFILE: "Too many open files",
  ENOTTY: "Inappropriate ioctl for device",
  ETXTBSY: "Text file busy",
  EFBIG: "File too large",
  ENOSPC: "No space left on device",
  ESPIPE: "Illegal seek",
  EROFS: "Read-only file system",
  EMLINK: "Too many links",
  EPIPE: "Broken pipe",
  ERANGE: "Numerical result out of range",
  EDEADLK: "Resource deadlock avoided",
  ENAMETOOLONG: "File name too long",
  ENOSYS: "Function not implemented",
  ENOTEMPTY: "Directory not empty",
  ELOOP: "Too many levels of symbolic links",
  ENOMSG: "No message of desired type",
  EIDRM: "Identifier removed",
  ENODATA: "No data available",
  ETIME: "Timer expired",
  EOVERFLOW: "Value too large for defined data type",
  EUSERS: "Too many users",
  EMSGSIZE: "Message too long",
  EOPNOTSUPP: "Operation not supported",
  ETIMEDOUT: "Connection timed out",
  ECANCELED: "Operation canceled",
};

/**
 * The symbolic name of an errno value.
 *
 * @param errno A negated errno (`Errno.ENOENT`) or its magnitude (`2`).
 * @returns The name, e.g. `"ENOENT"`, or `"E<n>"` for an unknown number.
 * @example
 * ```ts
 * import { Errno, errnoName } from "./errno.ts";
 * console.assert(errnoName(Errno.EBADF) === "EBADF");
 * ```
 */
export function errnoName(errno: number): string {
  const n = -Math.abs(errno);
  return (Errno as unknown as Record<number, string>)[n] ?? `E${Math.abs(errno)}`;
}

/**
 * The strerror(3) text of an errno value, as glibc prints it.
 *
 * @param errno A negated errno or its magnitude.
 * @returns e.g. `"No such file or directory"`.
 * @example
 * ```ts
 * import { Errno, strerror } from "./errno.ts";
 * console.assert(strerror(Errno.ENOENT) === "No such file or directory");
 * ```
 */
export function strerror(errno: number): string {
  const name = errnoName(errno);
  return MESSAGES[name] ?? `Unknown error ${Math.abs(errno)}`;
}

/**
 * Whether a system call result is an error.
 *
 * @param r A result: a number (negative means error) or an object.
 * @returns `true` when `r` is a (negative) errno.
 * @example
 * ```ts
 * import { Errno, isErrno } from "./errno.ts";
 * console.assert(isErrno(Errno.EIO) && !isErrno(3) && !isErrno({}));
 * ```
 */
export function isErrno(r: unknown): r is Errno {
  return typeof r === "number" && r < 0;
}
