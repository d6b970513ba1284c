/**
 * Test helpers: one scripted file operation applied through Berth's system calls or
 * through the host's real system calls (libc through FFI),
 * both returning 0 or a negative errno, so results can be compared.
 *
 * @module
 */
import { AT, O } from "../../syscalls/api.ts";
import { close, openat, write } from "../../syscalls/sys_file.ts";
import {
  fchmodat,
  linkat,
  mkdirat,
  renameat2,
  symlinkat,
  unlinkat,
} from "../../syscalls/sys_file_meta.ts";
import type { FileTask } from "../../vfs/resolve.ts";
import { host } from "../../vfs/_test_libc.ts";

/** A scripted operation (paths absolute). */
export type FileOp =
  | { op: "write"; path: string; data: string; append?: boolean }
  | { op: "mkdir"; path: string; mode: number }
  | { op: "unlink"; path: string }
  | { op: "rmdir"; path: string }
  | { op: "rename"; from: string; to: string }
  | { op: "symlink"; target: string; path: string }
  | { op: "link"; from: string; to: string }
  | { op: "chmod"; path: string; mode: number };

const enc = new TextEncoder();

/**
 * Apply `op` to Berth's VFS.
 *
 * @param task Caller.
 * @param op Operation.
 * @returns 0 or an errno.
 */
export function applyVfs(task: FileTask, op: FileOp): number {
  switch (op.op) {
    case "write": {
      const flags = O.WRONLY | O.CREAT | (op.append ? O.APPEND : O.TRUNC);
      const fd = openat(task, AT.FDCWD, op.path, flags, 0o644);
      if (typeof fd !== "number") throw new Error("async open");
      if (fd < 0) return fd;
      const n = write(task, fd, enc.encode(op.data));
      close(task, fd);
      return typeof n === "number" && n < 0 ? n : 0;
    }
    case "mkdir":
      return mkdirat(task, AT.FDCWD, op.path, op.mode);
    case "unlink":
      return unlinkat(task, AT.FDCWD, op.path, 0);
    case "rmdir":
      return unlinkat(task, AT.FDCWD, op.path, AT.REMOVEDIR);
    case "rename":
      return renameat2(task, AT.FDCWD, op.from, AT.FDCWD, op.to, 0);
    case "symlink":
      return symlinkat(task, op.target, AT.FDCWD, op.path);
    case "link":
      return linkat(task, AT.FDCWD, op.from, AT.FDCWD, op.to, 0);
    case "chmod":
      return fchmodat(task, AT.FDCWD, op.path, op.mode, 0);
  }
}

/**
 * Apply `op` to a host directory standing for "/", through the host's real system calls.
 *
 * @param root Host directory.
 * @param op Operation.
 * @returns 0 or an errno.
 */
export function applyHost(root: string, op: FileOp): number {
  const h = (p: string) => root + p;
  switch (op.op) {
    case "write": {
      const flags = O.WRONLY | O.CREAT | (op.append ? O.APPEND : O.TRUNC);
      const fd = host.open(h(op.path), flags, 0o644);
      if (fd < 0) return fd;
      const n = host.write(fd, enc.encode(op.data));
      host.close(fd);
      return n < 0 ? n : 0;
    }
    case "mkdir": {
      const r = host.mkdir(h(op.path), op.mode);
      return r < 0 ? r : host.chmod(h(op.path), op.mode);
    }
    case "unlink":
      return host.unlink(h(op.path));
    case "rmdir":
      return host.rmdir(h(op.path));
    case "rename":
      return host.rename(h(op.from), h(op.to));
    case "symlink":
      return host.symlink(op.target, h(op.path));
    case "link":
      return host.link(h(op.from), h(op.to));
    case "chmod":
      return host.chmod(h(op.path), op.mode);
  }
}
