/**
 * Test helpers: a whole tree as a comparable map, read through Berth's system calls or
 * through Deno's file APIs on the host; an overlay mounted as a task's root.
 *
 * @module
 */
import { AT, O, type Stat } from "../../syscalls/api.ts";
import { close, getdents64, openat, read } from "../../syscalls/sys_file.ts";
import { fstatat, readlinkat } from "../../syscalls/sys_file_meta.ts";
import type { FileTask } from "../../vfs/resolve.ts";
import { FsState } from "../../vfs/fs_state.ts";
import { Mount, MountNamespace } from "../../vfs/mount.ts";
import { CountingCharger, makeTask, type TestTask } from "../../vfs/_test_task.ts";
import { OverlayFs } from "./overlay.ts";
import type { MergedLayers } from "../../../../image/layer/types.ts";
import { defaultFsTypes } from "../../syscalls/sys_mount.ts";

/** One node of a compared tree. */
export type TreeNode =
  | { t: "dir"; mode: number }
  | { t: "file"; mode: number; data: string }
  | { t: "link"; target: string }
  | { t: "other"; mode: number };

const dec = new TextDecoder();

/**
 * Read a tree through the kernel's system calls.
 *
 * @param task Reader.
 * @param dir Directory to start at.
 * @returns Path (relative to `dir`) → node.
 */
export function vfsTree(task: FileTask, dir = "/"): Map<string, TreeNode> {
  const out = new Map<string, TreeNode>();
  const visit = (abs: string, rel: string) => {
    const fd = openat(task, AT.FDCWD, abs, O.RDONLY | O.DIRECTORY, 0) as number;
    if (fd < 0) throw new Error(`open ${abs}: ${fd}`);
    const names: string[] = [];
    for (;;) {
      const ents = getdents64(task, fd);
      if (!Array.isArray(ents)) throw new Error(`getdents ${abs}: ${ents}`);
      if (ents.length === 0) break;
      for (const e of ents) if (e.name !== "." && e.name !== "..") names.push(e.name);
    }
    close(task, fd);
    for (const name of names.sort()) {
      const a = abs === "/" ? "/" + name : abs + "/" + name;
      const r = rel + "/" + name;
      const st = fstatat(task, AT.FDCWD, a, AT.SYMLINK_NOFOLLOW) as Stat;
      const type = st.mode & 0o170000;
      if (type === 0o040000) {
        out.set(r, { t: "dir", mode: st.mode & 0o7777 });
        visit(a, r);
      } else if (type === 0o100000) {
        const f = openat(task, AT.FDCWD, a, O.RDONLY, 0) as number;
        const buf = new Uint8Array(st.size);
        let off = 0;
        while (off < st.size) {
          const n = read(task, f, buf.subarray(off)) as number;
          if (n <= 0) break;
          off += n;
        }
        close(task, f);
        out.set(r, { t: "file", mode: st.mode & 0o7777, data: dec.decode(buf) });
      } else if (type === 0o120000) {
        out.set(r, { t: "link", target: readlinkat(task, AT.FDCWD, a) as string });
      } else {
        out.set(r, { t: "other", mode: st.mode & 0o7777 });
      }
    }
  };
  visit(dir, "");
  return out;
}

/**
 * Read a host directory tree with Deno's file APIs (symlinks not followed).
 *
 * @param dir Host directory.
 * @returns Path (relative) → node.
 */
export function hostTree(dir: string): Map<string, TreeNode> {
  const out = new Map<string, TreeNode>();
  const visit = (abs: string, rel: string) => {
    const names = [...Deno.readDirSync(abs)].map((e) => e.name).sort();
    for (const name of names) {
      const a = abs + "/" + name;
      const r = rel + "/" + name;
      const st = Deno.lstatSync(a);
      const mode = (st.mode ?? 0) & 0o7777;
      if (st.isDirectory) {
        out.set(r, { t: "dir", mode });
        visit(a, r);
      } else if (st.isFile) {
        out.set(r, { t: "file", mode, data: dec.decode(Deno.readFileSync(a)) });
      } else if (st.isSymlink) {
        out.set(r, { t: "link", target: Deno.readLinkSync(a) });
      } else {
        out.set(r, { t: "other", mode });
      }
    }
  };
  visit(dir, "");
  return out;
}

/**
 * Mount an overlay of `lower` as the root of a fresh mount namespace.
 *
 * @param lower Merged layers.
 * @param memory Charger (default unlimited).
 * @returns The overlay and a root task whose root it is.
 */
export function overlayRoot(
  lower: MergedLayers,
  memory: CountingCharger = new CountingCharger(),
): { ovl: OverlayFs; task: TestTask } {
  const ovl = new OverlayFs({ lower, memory });
  const ns = new MountNamespace(new Mount(ovl, ovl.root, 0, "overlay"), defaultFsTypes());
  const task = makeTask(new FsState(ns), {}, memory);
  task.fs.umask = 0;
  return { ovl, task };
}
