/**
 * The virtual file system: mounts, the path walk, permissions, open files and the fd
 * table. File systems live in `../fs/`, the system calls in `../syscalls/sys_file*.ts`,
 * `sys_mount.ts` and `sys_pipe.ts`.
 *
 * @module
 */
export * from "./types.ts";
export * from "./mount.ts";
export * from "./fd_table.ts";
export * from "./fs_state.ts";
export * from "./path_walk.ts";
export * from "./permission.ts";
export * from "./resolve.ts";
