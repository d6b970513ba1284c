/**
 * What the process side needs of a process's file-system state (`Task.fs`), which the
 * VFS owns (`vfs/fs_state.ts` `FsState`): copy it on spawn, give it a private mount
 * namespace on `CLONE_NEWNS`, close `FD_CLOEXEC` descriptors on exec and everything at
 * exit, and install host streams as stdio.
 *
 * {@link MinimalFs} is the state of a process that runs without a root file system
 * (tests, and embedders that only run builtins): descriptors only, no paths.
 *
 * @module
 */
import { Errno } from "./errno.ts";
import type { StreamHandle } from "./host_stdio.ts";
import { O } from "./syscalls/api.ts";

/** The descriptor-table operations the kernel uses. */
export interface ProcessFds {
  /** Close every `FD_CLOEXEC` descriptor. */
  closeOnExec(): void;
  /** Close everything. */
  closeAll(): void;
  /** Open descriptors, ascending. */
  fds(): number[];
}

/** The file-system state operations the kernel uses (implemented by the VFS `FsState`). */
export interface ProcessFs {
  /** The child's copy (shares open files). */
  fork(): ProcessFs;
  /** Move into a private copy of the mount namespace. */
  unshareMounts(): void;
  /** Descriptor table. */
  readonly fds: ProcessFds;
}

/** One open file of a {@link MinimalFs}. */
export interface MinimalFile {
  /** Backend. */
  readonly handle: StreamHandle;
  /** `O_*` access and status flags. */
  flags: number;
  /** References from descriptors. */
  refs: number;
}

/** A descriptor table without paths: only host streams and handles installed by the kernel. */
export class MinimalFds implements ProcessFds {
  /** Slots by fd. */
  readonly slots: Map<number, { file: MinimalFile; cloexec: boolean }> = new Map();

  /**
   * Install `handle` at `fd`.
   *
   * @param fd Descriptor.
   * @param handle Backend.
   * @param flags `O_*` flags.
   */
  install(fd: number, handle: StreamHandle, flags: number): void {
    this.close(fd);
    this.slots.set(fd, { file: { handle, flags, refs: 1 }, cloexec: false });
  }

  /**
   * Put an existing open file at `fd` (dup).
   *
   * @param fd Target descriptor.
   * @param file Open file.
   * @param cloexec Close-on-exec flag.
   */
  installFile(fd: number, file: MinimalFile, cloexec: boolean): void {
    file.refs++;
    this.close(fd);
    this.slots.set(fd, { file, cloexec });
  }

  /**
   * Close `fd`.
   *
   * @param fd Descriptor.
   * @returns 0 or `EBADF`.
   */
  close(fd: number): 0 | Errno {
    const s = this.slots.get(fd);
    if (!s) return Errno.EBADF;
    this.slots.delete(fd);
    if (--s.file.refs === 0) s.file.handle.release?.();
    return 0;
  }

  /** Lowest free descriptor at or above `min`. */
  lowestFree(min = 0): number {
    let fd = min;
    while (this.slots.has(fd)) fd++;
    return fd;
  }

  /** Close every `FD_CLOEXEC` descriptor. */
  closeOnExec(): void {
    for (const [fd, s] of [...this.slots]) if (s.cloexec) this.close(fd);
  }

  /** Close everything. */
  closeAll(): void {
    for (const fd of [...this.slots.keys()]) this.close(fd);
  }

  /** Open descriptors, ascending. */
  fds(): number[] {
    return [...this.slots.keys()].sort((a, b) => a - b);
  }

  /** A copy sharing every open file. */
  fork(): MinimalFds {
    const t = new MinimalFds();
    for (const [fd, s] of this.slots) {
      s.file.refs++;
      t.slots.set(fd, { file: s.file, cloexec: s.cloexec });
    }
    return t;
  }
}

/**
 * File-system state of a process without a root: a descriptor table of streams.
 *
 * @example
 * ```ts
 * import { MinimalFs } from "./process_fs.ts";
 * import { nullHandle } from "./host_stdio.ts";
 * const fs = new MinimalFs();
 * fs.fds.install(1, nullHandle(), 1);
 * console.assert(fs.fork().fds.fds().length === 1);
 * ```
 */
export class MinimalFs implements ProcessFs {
  /** Descriptors. */
  readonly fds: MinimalFds;
  /** File-creation mask. */
  umask = 0o022;

  /**
   * A state with the given descriptors.
   *
   * @param fds Descriptor table (default empty).
   */
  constructor(fds: MinimalFds = new MinimalFds()) {
    this.fds = fds;
  }

  /** The child's copy: shares open files. */
  fork(): MinimalFs {
    const s = new MinimalFs(this.fds.fork());
    s.umask = this.umask;
    return s;
  }

  /** No mounts: nothing to copy. */
  unshareMounts(): void {}
}

/** `O_WRONLY` for installing output streams. */
export const STDOUT_FLAGS: number = O.WRONLY;
/** `O_RDONLY` for installing input streams. */
export const STDIN_FLAGS: number = O.RDONLY;
