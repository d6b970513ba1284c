/**
 * Test helper: the host's real system calls through libc (Deno FFI), returning Berth's
 * convention (result >= 0 or a negative errno), so that Berth's VFS can be compared with
 * Linux call by call. node:fs is not used for this: Deno's node:fs emulates some calls
 * (`unlinkSync` removes empty directories), which would hide differences.
 *
 * @module
 */

const lib = Deno.dlopen("libc.so.6", {
  open: { parameters: ["buffer", "i32", "u32"], result: "i32" },
  openat: { parameters: ["i32", "buffer", "i32", "u32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  lseek: { parameters: ["i32", "i64", "i32"], result: "i64" },
  mkdir: { parameters: ["buffer", "u32"], result: "i32" },
  rmdir: { parameters: ["buffer"], result: "i32" },
  unlink: { parameters: ["buffer"], result: "i32" },
  rename: { parameters: ["buffer", "buffer"], result: "i32" },
  renameat2: {
    parameters: ["i32", "buffer", "i32", "buffer", "u32"],
    result: "i32",
  },
  link: { parameters: ["buffer", "buffer"], result: "i32" },
  symlink: { parameters: ["buffer", "buffer"], result: "i32" },
  readlink: { parameters: ["buffer", "buffer", "usize"], result: "isize" },
  chmod: { parameters: ["buffer", "u32"], result: "i32" },
  fstatat: { parameters: ["i32", "buffer", "buffer", "i32"], result: "i32" },
  truncate: { parameters: ["buffer", "i64"], result: "i32" },
  ftruncate: { parameters: ["i32", "i64"], result: "i32" },
  dup2: { parameters: ["i32", "i32"], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
});

const enc = new TextEncoder();
const s = (x: string) => enc.encode(x + "\0");

function ret(r: number | bigint): number {
  const n = Number(r);
  if (n >= 0) return n;
  const p = lib.symbols.__errno_location();
  return p ? -new Deno.UnsafePointerView(p).getInt32() : -5;
}

/** The host's system calls, Berth-style results. */
export const host = {
  open: (path: string, flags: number, mode = 0o644): number =>
    ret(lib.symbols.open(s(path), flags, mode)),
  openat: (dirfd: number, path: string, flags: number, mode = 0o644): number =>
    ret(lib.symbols.openat(dirfd, s(path), flags, mode)),
  close: (fd: number): number => ret(lib.symbols.close(fd)),
  read: (fd: number, buf: Uint8Array): number =>
    ret(lib.symbols.read(fd, buf as Uint8Array<ArrayBuffer>, BigInt(buf.length))),
  write: (fd: number, buf: Uint8Array): number =>
    ret(lib.symbols.write(fd, buf as Uint8Array<ArrayBuffer>, BigInt(buf.length))),
  lseek: (fd: number, off: number, whence: number): number =>
    ret(lib.symbols.lseek(fd, BigInt(off), whence)),
  mkdir: (path: string, mode: number): number => ret(lib.symbols.mkdir(s(path), mode)),
  rmdir: (path: string): number => ret(lib.symbols.rmdir(s(path))),
  unlink: (path: string): number => ret(lib.symbols.unlink(s(path))),
  rename: (a: string, b: string): number => ret(lib.symbols.rename(s(a), s(b))),
  renameat2: (a: string, b: string, flags: number): number =>
    ret(lib.symbols.renameat2(-100, s(a), -100, s(b), flags)),
  link: (a: string, b: string): number => ret(lib.symbols.link(s(a), s(b))),
  symlink: (target: string, path: string): number => ret(lib.symbols.symlink(s(target), s(path))),
  readlink: (path: string): string | number => {
    const buf = new Uint8Array(4096);
    const n = ret(lib.symbols.readlink(s(path), buf, 4096n));
    return n < 0 ? n : new TextDecoder().decode(buf.subarray(0, n));
  },
  chmod: (path: string, mode: number): number => ret(lib.symbols.chmod(s(path), mode)),
  /** fstatat; returns 0 or an errno (the struct is not decoded). */
  stat: (path: string, flags = 0): number =>
    ret(lib.symbols.fstatat(-100, s(path), new Uint8Array(256), flags)),
  truncate: (path: string, len: number): number => ret(lib.symbols.truncate(s(path), BigInt(len))),
  ftruncate: (fd: number, len: number): number => ret(lib.symbols.ftruncate(fd, BigInt(len))),
  dup2: (a: number, b: number): number => ret(lib.symbols.dup2(a, b)),
};
