/**
 * Character devices by device number, as Linux's `mem` driver: `null` (1:3), `zero`
 * (1:5), `full` (1:7), `random` (1:8), `urandom` (1:9). A device node with one of these
 * numbers works on any file system (devfs, tmpfs, an image layer), as on Linux.
 *
 * @module
 */
import { Errno } from "../../errno.ts";
import type { FileHandle } from "../../vfs/types.ts";

/**
 * `makedev(major, minor)` as Linux encodes small numbers.
 *
 * @param major Major number.
 * @param minor Minor number.
 * @returns The device number.
 * @example
 * ```ts
 * import { makedev } from "./devices.ts";
 * console.assert(makedev(1, 3) === 0x103);
 * ```
 */
export function makedev(major: number, minor: number): number {
  return ((major & 0xfff) << 8) | (minor & 0xff);
}

/** Device numbers of the standard nodes. */
export const DEV = {
  NULL: makedev(1, 3),
  ZERO: makedev(1, 5),
  FULL: makedev(1, 7),
  RANDOM: makedev(1, 8),
  URANDOM: makedev(1, 9),
  TTY: makedev(5, 0),
  CONSOLE: makedev(5, 1),
  PTMX: makedev(5, 2),
} as const;

function fillRandom(buf: Uint8Array): number {
  for (let i = 0; i < buf.length; i += 65536) {
    crypto.getRandomValues(buf.subarray(i, Math.min(buf.length, i + 65536)));
  }
  return buf.length;
}

/**
 * The handle of a memory device.
 *
 * @param rdev Device number.
 * @returns A handle, or undefined for other numbers.
 * @example
 * ```ts
 * import { DEV, memDevice } from "./devices.ts";
 * console.assert(memDevice(DEV.NULL)?.read(new Uint8Array(4), 0, {} as never) === 0);
 * ```
 */
export function memDevice(rdev: number): FileHandle | undefined {
  const base = { stream: false, size: () => 0 };
  switch (rdev) {
    case DEV.NULL:
      return { ...base, read: () => 0, write: (b) => b.length };
    case DEV.ZERO:
      return { ...base, read: (b) => (b.fill(0), b.length), write: (b) => b.length };
    case DEV.FULL:
      return { ...base, read: (b) => (b.fill(0), b.length), write: () => Errno.ENOSPC };
    case DEV.RANDOM:
    case DEV.URANDOM:
      return { ...base, read: (b) => fillRandom(b), write: (b) => b.length };
    default:
      return undefined;
  }
}
