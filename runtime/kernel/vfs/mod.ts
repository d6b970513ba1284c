/**
 * The virtual file system: mounts, the path walk, permissions, open files and the fd
 * table. File systems live in `../fs/`, the system calls in `../syscalls/sys_file*.ts`,
 * `sys_mount.ts` and `sys_pipe.ts` (each call is a function of the calling task plus the
 * arguments of `api.ts`).
 *
 * How the pieces fit:
 * - A process's `Task.fs` is an {@link FsState}: root, cwd, umask, {@link FdTable} and
 *   {@link MountNamespace}. `fork()` on spawn, `unshareMounts()` on `CLONE_NEWNS`,
 *   `fds.closeOnExec()` on exec, `fds.closeAll()` at exit, `fds.limit` is `RLIMIT_NOFILE`.
 * - A namespace's `fsTypes` map makes file systems for `mount(2)`: `tmpfs`, `devtmpfs`
 *   always (`defaultFsTypes()`); the kernel adds `proc` (`procFsType(source)`) and
 *   `cgroup2` (`cgroupFsType(tree, viewOf)`).
 * - Container roots: `new OverlayFs({ lower, memory, spillDir })` mounted as the root
 *   mount; `createDevfs({ memory, tty })` at `/dev`; `bindHostDir(task, dir, target,
 *   { readonly })` for volumes; `overlayChanges`/`overlayDiffTar` for diff and commit.
 *
 * Support levels and differences from Linux (details in each module):
 * - Path walk: stricter than Linux — `..` never leaves the root even after a rename, and a
 *   relative walk from a cwd or dirfd outside the root fails with `ENOENT`. NUL in a path
 *   is `EINVAL`.
 * - Overlay: renaming a directory that exists in a lower layer is `EXDEV` (as overlayfs
 *   without `redirect_dir`); `RENAME_EXCHANGE` only between upper-only names.
 * - `umount2`: another process's cwd inside a mount does not make it busy.
 * - `pivot_root` moves the caller's root and cwd only.
 * - tmpfs: reads do not update atime (noatime).
 * - Advisory locks (`file_lock.ts`): `flock(2)` per open file description, POSIX record
 *   locks per descriptor table (released by any close of the file, and at exit).
 * - Pseudo-terminals: devpts (`fs/devpts/`), one instance per mount; `/dev/ptmx` links to
 *   `pts/ptmx`.
 * - Not implemented: inotify, mount propagation other than private (`O_TMPFILE` and xattrs live
 *   in the file systems that have them: tmpfs and the overlay).
 *
 * @module
 */
export * from "./types.ts";
export * from "./mount.ts";
export * from "./fd_table.ts";
export * from "./file_lock.ts";
export * from "./fs_state.ts";
export * from "./path_walk.ts";
export * from "./permission.ts";
export * from "./resolve.ts";
