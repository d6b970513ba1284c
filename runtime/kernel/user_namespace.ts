/**
 * User namespaces (`CLONE_NEWUSER`): a map from the ids seen inside to the kernel's ids,
 * written once through `/proc/PID/uid_map` and `gid_map`, as user_namespaces(7).
 *
 * Berth keeps every credential and every file owner as a kernel id (Linux's `kuid_t`), so
 * permission checks compare kernel ids and need no translation; the ids a process sees
 * (`getuid`, `stat`, `chown` arguments) are translated at the system-call boundary with
 * {@link UserNamespace.toKernel} and {@link UserNamespace.fromKernel}. An id without a
 * mapping shows as the overflow id 65534.
 *
 * @module
 */
import { Errno } from "./errno.ts";
import { allocNsInode } from "./namespaces.ts";

/** The id an unmapped id shows as (`/proc/sys/kernel/overflowuid`). */
export const OVERFLOW_ID = 65534;

/** Largest id (ids are 32-bit; `(uid_t)-1` is reserved). */
const ID_MAX = 0xfffffffe;

/** Lines an id map may have (Linux 4.15+). */
const MAX_LINES = 340;

/** Which map. */
export type IdKind = "uid" | "gid";

/** One line of an id map: `count` ids from `inside` map to kernel ids from `kernel`. */
export interface IdRange {
  /** First id inside the namespace. */
  inside: number;
  /** First kernel id. */
  kernel: number;
  /** Number of ids. */
  count: number;
}

/** Who writes an id map: the writer's namespace and effective ids (kernel ids). */
export interface IdMapWriter {
  /** The writer's user namespace. */
  ns: UserNamespace;
  /** Effective uid (kernel id). */
  euid: number;
  /** Effective gid (kernel id). */
  egid: number;
}

/** A user namespace. The initial one maps every id to itself. */
export class UserNamespace {
  /** Inode number for `/proc/PID/ns/user`. */
  readonly inode: number = allocNsInode();
  /** The parent, null for the kernel's initial namespace. */
  readonly parent: UserNamespace | null;
  /** Nesting level (0 for the initial namespace; Linux allows 32). */
  readonly level: number;
  /** uid map in kernel ids, null until written. */
  uidMap: IdRange[] | null;
  /** gid map in kernel ids, null until written. */
  gidMap: IdRange[] | null;
  /** Kernel euid of the creator: it holds every capability in the namespace. */
  readonly ownerUid: number;
  /**
   * Whether `setgroups` may be used inside: only once a privileged writer wrote the gid
   * map (an unprivileged map must not let a process drop groups that deny it access, the
   * reason for Linux's `/proc/PID/setgroups`).
   */
  setgroupsAllowed: boolean;

  /**
   * A namespace without maps (or the initial one when `parent` is null).
   *
   * @param parent The creator's namespace, null for the initial one.
   * @param ownerUid The creator's kernel euid.
   */
  constructor(parent: UserNamespace | null, ownerUid = 0) {
    this.parent = parent;
    this.ownerUid = ownerUid;
    this.setgroupsAllowed = parent === null;
    this.level = parent ? parent.level + 1 : 0;
    const all = parent ? null : [{ inside: 0, kernel: 0, count: ID_MAX + 1 }];
    this.uidMap = all;
    this.gidMap = all;
  }

  /** Whether this is the kernel's initial namespace. */
  get initial(): boolean {
    return this.parent === null;
  }

  /**
   * The kernel id of an id seen inside.
   *
   * @param kind "uid" or "gid".
   * @param id The id inside.
   * @returns The kernel id, or null when `id` has no mapping.
   * @example
   * ```ts
   * import { UserNamespace } from "./user_namespace.ts";
   * const ns = new UserNamespace(new UserNamespace(null));
   * ns.uidMap = [{ inside: 0, kernel: 100000, count: 10 }];
   * console.assert(ns.toKernel("uid", 3) === 100003 && ns.toKernel("uid", 10) === null);
   * ```
   */
  toKernel(kind: IdKind, id: number): number | null {
    if (this.parent === null) return id;
    for (const r of (kind === "uid" ? this.uidMap : this.gidMap) ?? []) {
      if (id >= r.inside && id < r.inside + r.count) return r.kernel + (id - r.inside);
    }
    return null;
  }

  /**
   * The id a kernel id shows as inside.
   *
   * @param kind "uid" or "gid".
   * @param kid The kernel id.
   * @returns The id inside, or {@link OVERFLOW_ID} when unmapped.
   * @example
   * ```ts
   * import { OVERFLOW_ID, UserNamespace } from "./user_namespace.ts";
   * const ns = new UserNamespace(new UserNamespace(null));
   * ns.uidMap = [{ inside: 0, kernel: 1000, count: 1 }];
   * console.assert(ns.fromKernel("uid", 1000) === 0 && ns.fromKernel("uid", 0) === OVERFLOW_ID);
   * ```
   */
  fromKernel(kind: IdKind, kid: number): number {
    if (this.parent === null) return kid;
    for (const r of (kind === "uid" ? this.uidMap : this.gidMap) ?? []) {
      if (kid >= r.kernel && kid < r.kernel + r.count) return r.inside + (kid - r.kernel);
    }
    return OVERFLOW_ID;
  }

  /**
   * Whether `ancestor` is this namespace or one of its ancestors.
   *
   * @param ancestor A user namespace.
   * @returns true when this namespace is nested in (or is) `ancestor`.
   */
  isWithin(ancestor: UserNamespace): boolean {
    return this === ancestor || (this.parent?.isWithin(ancestor) ?? false);
  }

  /**
   * The text of `/proc/PID/uid_map` (or `gid_map`) for a reader in `viewer`: kernel ids
   * shown as the reader's namespace sees them, as Linux does.
   *
   * @param kind "uid" or "gid".
   * @param viewer The reader's namespace.
   * @returns Lines "inside outside count" (empty when not written).
   */
  mapText(kind: IdKind, viewer: UserNamespace): string {
    const map = kind === "uid" ? this.uidMap : this.gidMap;
    if (!map) return "";
    return map.map((r) => {
      const outside = viewer.fromKernel(kind, r.kernel);
      return `${String(r.inside).padStart(10)} ${String(outside).padStart(10)} ${
        String(r.count).padStart(10)
      }\n`;
    }).join("");
  }
}

/**
 * Write an id map of `target` once, with user_namespaces(7)'s rules: the writer is in the
 * parent namespace and is root there or the namespace's owner; lines are "inside outside count" (outside ids as the writer's namespace
 * sees them, each range mapped there), at most 340, ranges not overlapping; a writer whose
 * effective uid is not root in its namespace may only map its own effective uid (gid) with
 * one line of count 1.
 *
 * @param target The namespace whose map is written.
 * @param kind "uid" or "gid".
 * @param text The text written.
 * @param writer The writer.
 * @returns 0, `EPERM` (written already, wrong writer, not allowed) or `EINVAL` (syntax, overlap).
 * @example
 * ```ts
 * import { UserNamespace, writeIdMap } from "./user_namespace.ts";
 * const init = new UserNamespace(null);
 * const ns = new UserNamespace(init);
 * console.assert(writeIdMap(ns, "uid", "0 1000 1\n", { ns: init, euid: 1000, egid: 1000 }) === 0);
 * ```
 */
export function writeIdMap(
  target: UserNamespace,
  kind: IdKind,
  text: string,
  writer: IdMapWriter,
): 0 | Errno {
  const parent = target.parent;
  if (!parent || (kind === "uid" ? target.uidMap : target.gidMap) !== null) return Errno.EPERM;
  if (writer.ns !== parent) return Errno.EPERM;
  const privileged = parent.fromKernel("uid", writer.euid) === 0;
  // CAP_SETUID in the target namespace: privileged in the parent, or its owner.
  if (!privileged && writer.euid !== target.ownerUid) return Errno.EPERM;
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  if (lines.length === 0 || lines.length > MAX_LINES) return Errno.EINVAL;
  const ranges: IdRange[] = [];
  const outsides: { start: number; count: number }[] = [];
  for (const line of lines) {
    const parts = line.trim().split(/\s+/);
    if (parts.length !== 3 || !parts.every((p) => /^\d+$/.test(p))) return Errno.EINVAL;
    const [inside, outside, count] = parts.map(Number) as [number, number, number];
    if (count < 1 || inside + count - 1 > ID_MAX || outside + count - 1 > ID_MAX) {
      return Errno.EINVAL;
    }
    const overlaps = (a: number, b: { start: number; count: number }) =>
      a < b.start + b.count && b.start < a + count;
    if (ranges.some((r) => overlaps(inside, { start: r.inside, count: r.count }))) {
      return Errno.EINVAL;
    }
    if (outsides.some((o) => overlaps(outside, o))) return Errno.EINVAL;
    // The whole outside range must be mapped, contiguously, in the writer's namespace.
    const first = parent.toKernel(kind, outside);
    const last = parent.toKernel(kind, outside + count - 1);
    if (first === null || last === null || last - first !== count - 1) return Errno.EPERM;
    ranges.push({ inside, kernel: first, count });
    outsides.push({ start: outside, count });
  }
  if (!privileged) {
    const own = kind === "uid" ? writer.euid : writer.egid;
    const only = ranges[0]!;
    if (ranges.length !== 1 || only.count !== 1 || only.kernel !== own) return Errno.EPERM;
  }
  if (kind === "uid") target.uidMap = ranges;
  else {
    target.gidMap = ranges;
    target.setgroupsAllowed = privileged;
  }
  return 0;
}
