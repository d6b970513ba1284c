/**
 * Where `COPY`/`ADD` read from: the build context, another stage or an image. Every
 * source is a {@link SourceTree} with its own root; paths are resolved inside that root
 * the way a chroot would (`..` stops at the root, symlinks are followed relative to the
 * root), so a Dockerfile can never read outside its context.
 *
 * @module
 */
import { hasWildcards, matchComponent } from "./_glob.ts";

/** Type of a node in a source tree. */
export type SourceNodeType = "file" | "dir" | "symlink" | "hardlink" | "char" | "block" | "fifo";

/** One file, directory or link of a source tree (like an lstat result). */
export interface SourceNode {
  /** Absolute path inside the tree ("/" for the root). */
  path: string;
  /** Node type. */
  type: SourceNodeType;
  /** Permission bits (with setuid/setgid/sticky). */
  mode: number;
  /** Owner uid. */
  uid: number;
  /** Owner gid. */
  gid: number;
  /** File size (0 for others). */
  size: number;
  /** Modification time in ms. */
  mtimeMs: number;
  /** Symlink target or hard-link target path. */
  linkTarget?: string;
}

/** A read-only tree that sources are copied from. */
export interface SourceTree {
  /** A label for errors ("build context", "stage builder", "image alpine"). */
  readonly label: string;
  /**
   * Node at an exact, normalised path (no link following).
   *
   * @param path Absolute normalised path.
   * @returns The node or undefined.
   */
  lookup(path: string): SourceNode | undefined;
  /**
   * Sorted child names of a directory.
   *
   * @param path Absolute normalised directory path.
   * @returns Names.
   */
  children(path: string): readonly string[];
  /**
   * The bytes of a file node.
   *
   * @param node A file node of this tree.
   * @returns Its content as chunks.
   */
  read(node: SourceNode): AsyncIterable<Uint8Array>;
  /**
   * The content digest of a file node (for the build cache).
   *
   * @param node A file node of this tree.
   * @returns `sha256:…` of its content.
   */
  contentDigest(node: SourceNode): Promise<string>;
}

/** A source that cannot be found or that tries to leave its tree. */
export class SourceNotFoundError extends Error {
  /**
   * Make the error.
   *
   * @param source The source as written.
   * @param where The tree's label.
   * @param detail Why.
   */
  constructor(source: string, where: string, detail = "no such file or directory") {
    super(`failed to compute cache key: "${source}" not found in ${where}: ${detail}`);
    this.name = "SourceNotFoundError";
  }
}

/**
 * Normalise a path inside a root: absolute, `.` and empty parts dropped, `..` clamped at
 * the root.
 *
 * @param path Any path (relative paths are taken from `base`).
 * @param base Directory relative paths start from (default "/").
 * @returns An absolute normalised path.
 * @example
 * ```ts
 * import { cleanInRoot } from "./source_tree.ts";
 * console.assert(cleanInRoot("../../etc/./passwd") === "/etc/passwd");
 * console.assert(cleanInRoot("b/../c", "/a") === "/a/c");
 * ```
 */
export function cleanInRoot(path: string, base = "/"): string {
  const parts: string[] = [];
  const all = path.startsWith("/") ? path : `${base}/${path}`;
  for (const part of all.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return "/" + parts.join("/");
}

/**
 * Resolve a path in a tree following symlinks in every component (including the last
 * when `followLast`), confined to the tree's root like a chroot; at most 40 links.
 *
 * @param tree The tree.
 * @param path Absolute path.
 * @param followLast Follow a symlink in the last component.
 * @returns The node reached, or undefined when a component is missing or links loop.
 * @example
 * ```ts ignore
 * const node = resolveInTree(context, "/link-to-dir/file", true);
 * ```
 */
export function resolveInTree(
  tree: SourceTree,
  path: string,
  followLast: boolean,
): SourceNode | undefined {
  let pending = cleanInRoot(path).split("/").filter((p) => p !== "");
  let current = "/";
  let links = 0;
  while (pending.length > 0) {
    const name = pending.shift()!;
    const next = current === "/" ? `/${name}` : `${current}/${name}`;
    const node = tree.lookup(next);
    if (!node) return undefined;
    const isLast = pending.length === 0;
    if (node.type === "symlink" && (!isLast || followLast)) {
      if (++links > 40) return undefined;
      const target = node.linkTarget ?? "";
      const resolved = cleanInRoot(target, current);
      pending = [...resolved.split("/").filter((p) => p !== ""), ...pending];
      current = "/";
      continue;
    }
    if (!isLast && node.type !== "dir") return undefined;
    current = next;
  }
  return current === "/" ? tree.lookup("/") : tree.lookup(current);
}

/**
 * Expand a `COPY`/`ADD` source (wildcards per component, Go `filepath.Match`) into the
 * nodes it names, top-level symlinks followed inside the tree. Sorted by path.
 *
 * @param tree The tree.
 * @param source The source as written (relative to the tree root; `..` cannot leave it).
 * @returns The matching nodes with the path they were named by.
 * @throws {SourceNotFoundError} when nothing matches.
 * @example
 * ```ts ignore
 * const hits = expandSource(context, "src/*.ts");
 * ```
 */
export function expandSource(
  tree: SourceTree,
  source: string,
): { named: string; node: SourceNode }[] {
  const clean = cleanInRoot(source);
  if (!hasWildcards(clean)) {
    const node = resolveInTree(tree, clean, true);
    if (!node) throw new SourceNotFoundError(source, tree.label);
    return [{ named: clean, node }];
  }
  const parts = clean.split("/").filter((p) => p !== "");
  let candidates = ["/"];
  for (const part of parts) {
    const next: string[] = [];
    for (const dir of candidates) {
      const dirNode = resolveInTree(tree, dir, true);
      if (!dirNode || dirNode.type !== "dir") continue;
      const names = hasWildcards(part)
        ? tree.children(dirNode.path).filter((n) => matchComponent(part, n))
        : [part.replace(/\\(.)/g, "$1")];
      for (const n of names) next.push(dir === "/" ? `/${n}` : `${dir}/${n}`);
    }
    candidates = next;
  }
  const hits: { named: string; node: SourceNode }[] = [];
  for (const c of candidates.sort()) {
    const node = resolveInTree(tree, c, true);
    if (node) hits.push({ named: c, node });
  }
  if (hits.length === 0) {
    throw new SourceNotFoundError(source, tree.label, "no source files were specified");
  }
  return hits;
}

/**
 * Every node under a directory (not following links), depth-first, sorted.
 *
 * @param tree The tree.
 * @param dir Absolute directory path (must be a dir node's path).
 * @returns Descendant nodes (the directory itself excluded).
 * @example
 * ```ts ignore
 * for (const n of walkTree(context, "/src")) console.log(n.path);
 * ```
 */
export function walkTree(tree: SourceTree, dir: string): SourceNode[] {
  const out: SourceNode[] = [];
  const visit = (d: string) => {
    for (const name of tree.children(d)) {
      const p = d === "/" ? `/${name}` : `${d}/${name}`;
      const node = tree.lookup(p);
      if (!node) continue;
      out.push(node);
      if (node.type === "dir") visit(p);
    }
  };
  visit(dir);
  return out;
}
