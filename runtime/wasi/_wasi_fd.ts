/**
 * `fd_*` imports of `wasi_snapshot_preview1`, translated to the kernel's file calls.
 * WASI fds are the process's kernel fds; rights are reported in full (minus seek/tell on
 * streams) because the kernel's permission checks are the authority.
 *
 * @module
 */
import { AT, O, S_IFDIR, S_IFMT, S_IFREG } from "../kernel/syscalls/api.ts";
import { Errno } from "../kernel/errno.ts";
import { settle, type WasiCore, type WasiResult } from "./_wasi_core.ts";
import {
  FdFlags,
  fileTypeOfDirent,
  fileTypeOfMode,
  FstFlags,
  Rights,
  timeArg,
  writeFilestat,
} from "./_wasi_abi.ts";
import { utf8 } from "./_guest_memory.ts";
import { toWasiErrno, WasiErrno } from "./wasi_errno.ts";

const F_GETFL = 3;
const F_SETFL = 4;

/**
 * The `fd_*` imports bound to one process.
 *
 * @param core shared WASI state
 * @returns import functions by WASI name
 */
export function fdImports(core: WasiCore): Record<string, (...args: never[]) => WasiResult> {
  const { sys, mem } = core;
  const err = toWasiErrno;

  const readInto = (fd: number, iovs: number, count: number, out: number): WasiResult => {
    const bufs = mem.iovs(iovs, count);
    const r = bufs.length === 1 ? sys.read(fd, bufs[0]!) : sys.readv(fd, bufs);
    return settle(core, r, (n) => {
      mem.setU32(out, n);
      return 0;
    });
  };

  return {
    fd_advise(fd: number, _offset: bigint, _len: bigint, advice: number): number {
      const fl = sys.fcntl(fd, F_GETFL);
      if (fl < 0) return err(fl);
      const st = sys.fstat(fd);
      if (typeof st === "number") return WasiErrno.SPIPE; // a stream without stat
      if (advice > 5) return WasiErrno.INVAL;
      if ((st.mode & S_IFMT) !== S_IFREG && (st.mode & S_IFMT) !== S_IFDIR) return WasiErrno.SPIPE;
      return 0;
    },
    fd_allocate(fd: number, offset: bigint, len: bigint): number {
      const st = sys.fstat(fd);
      if (typeof st === "number") return err(st);
      if ((st.mode & S_IFMT) === S_IFDIR) return WasiErrno.ISDIR;
      if ((st.mode & S_IFMT) !== S_IFREG) return WasiErrno.SPIPE;
      const end = Number(offset + len);
      if (end <= st.size) return 0;
      const r = sys.ftruncate(fd, end);
      return r < 0 ? err(r) : 0;
    },
    fd_close(fd: number): number {
      const r = sys.close(fd);
      if (r < 0) return err(r);
      core.preopens.delete(fd);
      return 0;
    },
    fd_datasync(fd: number): WasiResult {
      return settle(core, sys.fsync(fd), () => 0);
    },
    fd_sync(fd: number): WasiResult {
      return settle(core, sys.fsync(fd), () => 0);
    },
    fd_fdstat_get(fd: number, ptr: number): number {
      const fl = sys.fcntl(fd, F_GETFL);
      if (fl < 0) return err(fl);
      // Streams without stat (host pipes) are still open files: an unknown type.
      const st = sys.fstat(fd);
      let flags = 0;
      if (fl & O.APPEND) flags |= FdFlags.APPEND;
      if (fl & O.NONBLOCK) flags |= FdFlags.NONBLOCK;
      if ((fl & O.SYNC) === O.SYNC) flags |= FdFlags.SYNC;
      else if (fl & O.DSYNC) flags |= FdFlags.DSYNC;
      const type = typeof st === "number" ? 0 : fileTypeOfMode(st.mode);
      const seekable = type === 3 || type === 4 || type === 7 || type === 1;
      const base = seekable ? Rights.ALL : Rights.ALL & ~(Rights.FD_SEEK | Rights.FD_TELL);
      mem.check(ptr, 24);
      mem.dv.setUint8(ptr, type);
      mem.dv.setUint8(ptr + 1, 0);
      mem.dv.setUint16(ptr + 2, flags, true);
      mem.dv.setUint32(ptr + 4, 0, true);
      mem.dv.setBigUint64(ptr + 8, base, true);
      mem.dv.setBigUint64(ptr + 16, Rights.ALL, true);
      return 0;
    },
    fd_fdstat_set_flags(fd: number, flags: number): number {
      const fl = sys.fcntl(fd, F_GETFL);
      if (fl < 0) return err(fl);
      let next = fl & ~(O.APPEND | O.NONBLOCK);
      if (flags & FdFlags.APPEND) next |= O.APPEND;
      if (flags & FdFlags.NONBLOCK) next |= O.NONBLOCK;
      const r = sys.fcntl(fd, F_SETFL, next);
      return r < 0 ? err(r) : 0;
    },
    fd_fdstat_set_rights(fd: number, _base: bigint, _inheriting: bigint): number {
      // Rights only narrow what WASI allows; the kernel's permission checks stay the
      // authority, so narrowing is accepted and not tracked (as Wasmtime does today).
      const st = sys.fstat(fd);
      return typeof st === "number" ? err(st) : 0;
    },
    fd_filestat_get(fd: number, ptr: number): number {
      const st = sys.fstat(fd);
      if (typeof st === "number") return err(st);
      writeFilestat(mem, ptr, st);
      return 0;
    },
    fd_filestat_set_size(fd: number, size: bigint): number {
      const r = sys.ftruncate(fd, Number(size));
      return r < 0 ? err(r) : 0;
    },
    fd_filestat_set_times(fd: number, atim: bigint, mtim: bigint, fst: number): number {
      if (
        (fst & FstFlags.ATIM && fst & FstFlags.ATIM_NOW) ||
        (fst & FstFlags.MTIM && fst & FstFlags.MTIM_NOW)
      ) {
        return WasiErrno.INVAL;
      }
      const r = sys.futimens(
        fd,
        timeArg(atim, fst, FstFlags.ATIM, FstFlags.ATIM_NOW),
        timeArg(mtim, fst, FstFlags.MTIM, FstFlags.MTIM_NOW),
      );
      return r < 0 ? err(r) : 0;
    },
    fd_pread(fd: number, iovs: number, count: number, offset: bigint, out: number): WasiResult {
      const bufs = mem.iovs(iovs, count);
      if (bufs.length === 1) {
        return settle(core, sys.pread(fd, bufs[0]!, Number(offset)), (n) => {
          mem.setU32(out, n);
          return 0;
        });
      }
      let total = 0;
      for (const b of bufs) total += b.length;
      const tmp = new Uint8Array(total);
      return settle(core, sys.pread(fd, tmp, Number(offset)), (n) => {
        let at = 0;
        for (const b of mem.iovs(iovs, count)) {
          if (at >= n) break;
          const part = tmp.subarray(at, Math.min(n, at + b.length));
          b.set(part);
          at += part.length;
        }
        mem.setU32(out, n);
        return 0;
      });
    },
    fd_pwrite(fd: number, iovs: number, count: number, offset: bigint, out: number): WasiResult {
      const bufs = mem.iovs(iovs, count);
      let data: Uint8Array;
      if (bufs.length === 1) data = bufs[0]!;
      else {
        let total = 0;
        for (const b of bufs) total += b.length;
        data = new Uint8Array(total);
        let at = 0;
        for (const b of bufs) {
          data.set(b, at);
          at += b.length;
        }
      }
      return settle(core, sys.pwrite(fd, data, Number(offset)), (n) => {
        mem.setU32(out, n);
        return 0;
      });
    },
    fd_prestat_get(fd: number, ptr: number): number {
      const name = core.preopens.get(fd);
      mem.check(ptr, 8);
      if (name !== undefined) {
        mem.dv.setUint32(ptr, 0, true); // tag DIR
        mem.dv.setUint32(ptr + 4, utf8(name).length, true);
        return 0;
      }
      // fds below the last preopen that are open but not preopened (inherited files):
      // report a non-directory prestat so that libc's scan goes on to the preopens.
      let last = -1;
      for (const p of core.preopens.keys()) last = Math.max(last, p);
      const fl = sys.fcntl(fd, F_GETFL);
      if (fl < 0) return err(fl);
      if (fd >= 3 && fd < last) {
        mem.dv.setUint32(ptr, 1, true);
        mem.dv.setUint32(ptr + 4, 0, true);
        return 0;
      }
      return WasiErrno.BADF;
    },
    fd_prestat_dir_name(fd: number, ptr: number, len: number): number {
      const name = core.preopens.get(fd);
      if (name === undefined) return WasiErrno.BADF;
      const bytes = utf8(name);
      if (len < bytes.length) return WasiErrno.NAMETOOLONG;
      mem.bytes(ptr, bytes.length).set(bytes);
      return 0;
    },
    fd_read(fd: number, iovs: number, count: number, out: number): WasiResult {
      return readInto(fd, iovs, count, out);
    },
    fd_write(fd: number, iovs: number, count: number, out: number): WasiResult {
      const bufs = mem.iovs(iovs, count);
      const r = bufs.length === 1 ? sys.write(fd, bufs[0]!) : sys.writev(fd, bufs);
      return settle(core, r, (n) => {
        mem.setU32(out, n);
        return 0;
      });
    },
    fd_readdir(fd: number, buf: number, bufLen: number, cookie: bigint, out: number): number {
      mem.check(buf, bufLen);
      const st = sys.fstat(fd);
      if (typeof st === "number") return err(st);
      if ((st.mode & S_IFMT) !== S_IFDIR) return WasiErrno.NOTDIR;
      const pos = sys.lseek(fd, Number(cookie), 0);
      if (pos < 0) return err(pos);
      let used = 0;
      const header = new DataView(new ArrayBuffer(24));
      const headerBytes = new Uint8Array(header.buffer);
      for (;;) {
        const entries = sys.getdents64(fd, 128);
        if (typeof entries === "number") return err(entries);
        if (entries.length === 0) break;
        for (const e of entries) {
          const name = utf8(e.name);
          header.setBigUint64(0, BigInt(e.off), true);
          header.setBigUint64(8, BigInt(e.ino), true);
          header.setUint32(16, name.length, true);
          header.setUint32(20, fileTypeOfDirent(e.type), true);
          const room = bufLen - used;
          const h = Math.min(24, room);
          mem.u8.set(headerBytes.subarray(0, h), buf + used);
          used += h;
          const n = Math.min(name.length, bufLen - used);
          mem.u8.set(name.subarray(0, n), buf + used);
          used += n;
          if (used >= bufLen) {
            mem.setU32(out, bufLen);
            return 0;
          }
        }
      }
      mem.setU32(out, used);
      return 0;
    },
    fd_renumber(from: number, to: number): number {
      const st = sys.fstat(from);
      if (typeof st === "number") return err(st);
      if (from === to) return 0;
      const target = sys.fstat(to);
      if (typeof target === "number") return err(target);
      const r = sys.dup3(from, to, 0);
      if (r < 0) return err(r);
      sys.close(from);
      const name = core.preopens.get(from);
      core.preopens.delete(from);
      core.preopens.delete(to);
      if (name !== undefined) core.preopens.set(to, name);
      return 0;
    },
    fd_seek(fd: number, offset: bigint, whence: number, out: number): number {
      if (whence > 2) return WasiErrno.INVAL;
      const r = sys.lseek(fd, Number(offset), whence);
      if (r < 0) return err(r);
      mem.setU64(out, r);
      return 0;
    },
    fd_tell(fd: number, out: number): number {
      const r = sys.lseek(fd, 0, 1);
      if (r < 0) return err(r);
      mem.setU64(out, r);
      return 0;
    },
  };
}

/** `AT` flags of a WASI lookupflags value. */
export function atFollow(lookupflags: number): number {
  return lookupflags & 1 ? 0 : AT.SYMLINK_NOFOLLOW;
}

/** Errno used when a path is empty (Linux's `ENOENT`). */
export const EMPTY_PATH_ERRNO = toWasiErrno(Errno.ENOENT);
