/**
 * `pipe2` and the opening of FIFOs (named pipes made by `mknodat`).
 *
 * A FIFO inode gets its {@link Pipe} on first open; opening for reading sleeps until a
 * writer opens (unless `O_NONBLOCK`), opening for writing sleeps until a reader opens
 * (`O_NONBLOCK`: `ENXIO`), `O_RDWR` never sleeps — all as on Linux.
 *
 * @module
 */
import { Errno } from "../errno.ts";
import { type MaybeAsync, O, S_IFIFO, type Stat } from "./api.ts";
import { Pipe } from "../pipe/pipe.ts";
import { OpenFile } from "../vfs/fd_table.ts";
import type { FileTask } from "../vfs/resolve.ts";
import type { FileHandle, Inode } from "../vfs/types.ts";

const fifos = new WeakMap<Inode, Pipe>();

/**
 * The pipe behind a FIFO inode (made on first use).
 *
 * @param inode A FIFO.
 * @returns Its pipe.
 */
export function fifoOf(inode: Inode): Pipe {
  let p = fifos.get(inode);
  if (!p) {
    p = new Pipe();
    fifos.set(inode, p);
  }
  return p;
}

function pipeStat(p: Pipe): Stat {
  const now = Date.now();
  const ts = { sec: Math.floor(now / 1000), nsec: (now % 1000) * 1e6 };
  return {
    dev: 12,
    ino: p.ino,
    mode: S_IFIFO | 0o600,
    nlink: 1,
    uid: 0,
    gid: 0,
    rdev: 0,
    size: p.size,
    blksize: 4096,
    blocks: 0,
    atime: ts,
    mtime: ts,
    ctime: ts,
  };
}

/**
 * A handle on both ends of a pipe (FIFO opened `O_RDWR`).
 *
 * @param p The pipe.
 * @returns The handle.
 */
function bothEnds(p: Pipe): FileHandle {
  const r = p.openEnd("r");
  const w = p.openEnd("w");
  return {
    stream: true,
    read: (buf, pos, io) => r.read(buf, pos, io),
    write: (buf, pos, io) => w.write(buf, pos, io),
    poll: () => p.pollFor("r") & ~16 | p.pollFor("w"),
    waitReady: () => p.changed().promise,
    ioctl: (req, arg) => r.ioctl?.(req, arg) ?? Errno.ENOTTY,
    pipeSize: (size) => r.pipeSize?.(size) ?? Errno.EBADF,
    release: () => {
      r.release?.();
      w.release?.();
    },
  };
}

/**
 * Open a FIFO's pipe as `openat` does.
 *
 * @param task Caller.
 * @param p The FIFO's pipe.
 * @param flags `O_*` (access mode and `O_NONBLOCK` matter).
 * @returns A handle (maybe after sleeping) or `ENXIO EINTR`.
 */
export function openFifo(task: FileTask, p: Pipe, flags: number): MaybeAsync<FileHandle | Errno> {
  const acc = flags & O.ACCMODE;
  const nonblock = (flags & O.NONBLOCK) !== 0;
  if (acc === O.RDWR) return bothEnds(p);
  if (acc === O.WRONLY && nonblock && p.readers === 0) return Errno.ENXIO;
  const end = acc === O.WRONLY ? "w" : "r";
  const h = p.openEnd(end);
  const ready = () => end === "r" ? p.writers > 0 : p.readers > 0;
  if (nonblock || ready()) return h;
  const wait = async (): Promise<FileHandle | Errno> => {
    while (!ready()) {
      const w = p.changed();
      const r = await task.block(w.promise, w.cancel);
      if (r === Errno.EINTR) {
        h.release?.();
        return Errno.EINTR;
      }
    }
    return h;
  };
  return wait();
}

/**
 * `pipe2(2)`.
 *
 * @param task Caller.
 * @param flags `O_CLOEXEC | O_NONBLOCK`.
 * @returns `[readFd, writeFd]`, or `EINVAL EMFILE`.
 * @example
 * ```ts ignore
 * const [r, w] = pipe2(task, 0) as [number, number];
 * ```
 */
export function pipe2(task: FileTask, flags: number): [number, number] | Errno {
  if (flags & ~(O.CLOEXEC | O.NONBLOCK)) return Errno.EINVAL;
  const p = new Pipe();
  const cloexec = (flags & O.CLOEXEC) !== 0;
  const status = flags & O.NONBLOCK;
  const name = `pipe:[${p.ino}]`;
  const rh = { ...p.openEnd("r"), stat: () => pipeStat(p) };
  const wh = { ...p.openEnd("w"), stat: () => pipeStat(p) };
  const rf = new OpenFile(null, name, rh, O.RDONLY | status);
  const wf = new OpenFile(null, name, wh, O.WRONLY | status);
  const fds = task.fs.fds;
  const r = fds.install(rf, cloexec);
  if (r < 0) {
    wf.unref();
    return r;
  }
  const w = fds.install(wf, cloexec);
  if (w < 0) {
    fds.close(r);
    return w;
  }
  return [r, w];
}
