/**
 * The build context: a host directory scanned once (ignore file applied) into a
 * {@link SourceTree}. Symlinks are recorded, never followed on the host: resolution
 * happens inside the tree, so a link to `/etc/passwd` or `../../x` can only ever reach
 * files of the context itself.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { IgnoreMatcher } from "./dockerignore.ts";
import type { SourceNode, SourceTree } from "./source_tree.ts";

const SMALL_FILE = 256 * 1024;

interface ContextNode extends SourceNode {
  hostPath: string;
  /** lstat identity: a file whose identity is unchanged has not been written since. */
  stamp: string;
}

/**
 * Content digests remembered from earlier builds, keyed by context path and guarded by
 * the file's lstat identity (device, inode, size, mtime and ctime — a write always
 * changes ctime). The cache keys stay content digests; this only avoids re-reading
 * files that cannot have changed, as BuildKit's content-hash cache does.
 */
export type DigestMemo = Map<string, { stamp: string; digest: string }>;

/**
 * Load a digest memo written by {@link saveDigestMemo} (empty if missing or unreadable).
 *
 * @param file The memo file.
 * @returns The memo.
 */
export async function loadDigestMemo(file: string): Promise<DigestMemo> {
  try {
    const raw: unknown = JSON.parse(await Deno.readTextFile(file));
    if (Array.isArray(raw)) {
      return new Map(
        raw.filter((e): e is [string, string, string] =>
          Array.isArray(e) && e.length === 3 && e.every((x) => typeof x === "string")
        ).map(([p, stamp, digest]) => [p, { stamp, digest }]),
      );
    }
  } catch {
    // no memo yet
  }
  return new Map();
}

/**
 * Write a digest memo atomically.
 *
 * @param file The memo file.
 * @param memo The memo.
 */
export async function saveDigestMemo(file: string, memo: DigestMemo): Promise<void> {
  await Deno.mkdir(file.slice(0, file.lastIndexOf("/")), { recursive: true });
  const tmp = `${file}.${Deno.pid}.tmp`;
  await Deno.writeTextFile(tmp, JSON.stringify([...memo].map(([p, e]) => [p, e.stamp, e.digest])));
  await Deno.rename(tmp, file);
}

/**
 * Find and read the ignore file for a build: `<Dockerfile>.dockerignore` beside the
 * Dockerfile (BuildKit), else `.containerignore` (Podman), else `.dockerignore`.
 *
 * @param contextDir The context directory.
 * @param dockerfilePath Host path of the Dockerfile, if it is a file.
 * @returns The matcher (empty when there is no ignore file) and the file used.
 * @example
 * ```ts ignore
 * const { matcher } = await loadIgnoreFile("/src/app", "/src/app/Dockerfile");
 * ```
 */
export async function loadIgnoreFile(
  contextDir: string,
  dockerfilePath?: string,
): Promise<{ matcher: IgnoreMatcher; file?: string }> {
  const candidates = [
    ...(dockerfilePath ? [`${dockerfilePath}.dockerignore`] : []),
    join(contextDir, ".containerignore"),
    join(contextDir, ".dockerignore"),
  ];
  for (const file of candidates) {
    try {
      return { matcher: IgnoreMatcher.parse(await Deno.readTextFile(file)), file };
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
  return { matcher: new IgnoreMatcher([]) };
}

/** A build context directory as a source tree. */
export class BuildContext implements SourceTree {
  /** Label used in errors. */
  readonly label = "build context";
  /** The host directory. */
  readonly dir: string;
  readonly #nodes = new Map<string, ContextNode>();
  readonly #children = new Map<string, string[]>();
  readonly #digests = new Map<string, Promise<string>>();

  readonly #memo: DigestMemo;
  #memoChanged = false;

  private constructor(dir: string, memo: DigestMemo) {
    this.dir = dir;
    this.#memo = memo;
  }

  /**
   * Scan a context directory (lstat only: links are not followed).
   *
   * @param dir Host directory.
   * @param ignore Paths to leave out.
   * @param memo Content digests from earlier builds (updated in place).
   * @returns The context.
   * @example
   * ```ts ignore
   * const ctx = await BuildContext.open("/src/app", matcher);
   * ```
   */
  static async open(
    dir: string,
    ignore: IgnoreMatcher = new IgnoreMatcher([]),
    memo: DigestMemo = new Map(),
  ): Promise<BuildContext> {
    const ctx = new BuildContext(dir, memo);
    const root = await Deno.stat(dir).catch((e) => {
      if (e instanceof Deno.errors.NotFound) {
        throw new Error(`Cannot open the build context "${dir}": no such directory`);
      }
      throw e;
    });
    if (!root.isDirectory) throw new Error(`Build context "${dir}" is not a directory`);
    ctx.#nodes.set("/", nodeOf("/", dir, root));
    await ctx.#scan("/", dir, ignore);
    return ctx;
  }

  async #scan(path: string, hostDir: string, ignore: IgnoreMatcher): Promise<void> {
    const names: string[] = [];
    const subdirs: [string, string][] = [];
    for (const entry of Deno.readDirSync(hostDir)) {
      const p = path === "/" ? `/${entry.name}` : `${path}/${entry.name}`;
      const rel = p.slice(1);
      if (!ignore.empty && ignore.excludes(rel)) {
        if (entry.isDirectory && !ignore.canSkipDir(rel)) {
          // An exception may re-include something inside: walk it, keep what is included.
          subdirs.push([p, `${hostDir}/${entry.name}`]);
          names.push(entry.name);
        }
        continue;
      }
      const hostPath = `${hostDir}/${entry.name}`;
      const info = Deno.lstatSync(hostPath);
      this.#nodes.set(p, nodeOf(p, hostPath, info));
      names.push(entry.name);
      if (info.isDirectory) subdirs.push([p, hostPath]);
    }
    names.sort();
    this.#children.set(path, names);
    for (const [p, host] of subdirs) {
      if (!this.#nodes.has(p)) {
        // Excluded directory walked for exceptions: it exists only if something inside does.
        const info = Deno.lstatSync(host);
        await this.#scan(p, host, ignore);
        if ((this.#children.get(p) ?? []).length > 0) this.#nodes.set(p, nodeOf(p, host, info));
        continue;
      }
      await this.#scan(p, host, ignore);
    }
    if (ignore.hasExceptions) {
      // Drop excluded directories in which no exception matched anything.
      this.#children.set(
        path,
        names.filter((n) => this.#nodes.has(path === "/" ? `/${n}` : `${path}/${n}`)),
      );
    }
  }

  /**
   * The node at a path (no link following).
   *
   * @param path Absolute normalised path.
   * @returns The node or undefined.
   */
  lookup(path: string): SourceNode | undefined {
    return this.#nodes.get(path);
  }

  /**
   * Child names of a directory.
   *
   * @param path Directory path.
   * @returns Sorted child names.
   */
  children(path: string): readonly string[] {
    return this.#children.get(path) ?? [];
  }

  /**
   * Read a file of the context.
   *
   * @param node A file node.
   * @returns Its bytes.
   */
  async *read(node: SourceNode): AsyncIterable<Uint8Array> {
    const n = this.#nodes.get(node.path);
    if (!n || n.type !== "file") throw new Error(`${node.path} is not a file of the build context`);
    if (n.size <= SMALL_FILE) {
      // One read for small files (most of a context): no big buffer, no extra syscalls.
      yield Deno.readFileSync(n.hostPath);
      return;
    }
    const f = await Deno.open(n.hostPath, { read: true });
    try {
      const size = 1 << 20;
      while (true) {
        const buf = new Uint8Array(size);
        let fill = 0;
        while (fill < size) {
          const r = await f.read(buf.subarray(fill));
          if (r === null) break;
          fill += r;
        }
        if (fill === 0) return;
        yield fill === size ? buf : buf.subarray(0, fill);
        if (fill < size) return;
      }
    } finally {
      f.close();
    }
  }

  /**
   * The content digest of a file (computed once per context, memoised across builds).
   *
   * @param node A file node.
   * @returns sha256 of its content.
   */
  contentDigest(node: SourceNode): Promise<string> {
    let d = this.#digests.get(node.path);
    if (!d) {
      const n = this.#nodes.get(node.path);
      const remembered = this.#memo.get(node.path);
      if (n && remembered && remembered.stamp === n.stamp) {
        return Promise.resolve(remembered.digest);
      }
      if (n && n.type === "file" && n.size <= SMALL_FILE) {
        d = Promise.resolve(
          "sha256:" + createHash("sha256").update(Deno.readFileSync(n.hostPath)).digest("hex"),
        );
      } else {
        d = (async () => {
          const hash = createHash("sha256");
          for await (const chunk of this.read(node)) hash.update(chunk);
          return "sha256:" + hash.digest("hex");
        })();
      }
      this.#digests.set(node.path, d);
      if (n) {
        d.then((digest) => {
          this.#memo.set(node.path, { stamp: n.stamp, digest });
          this.#memoChanged = true;
        }, () => {});
      }
    }
    return d;
  }

  /** Whether new digests were computed since the context was opened (the memo needs saving). */
  get memoChanged(): boolean {
    return this.#memoChanged;
  }

  /**
   * Host path of a node (for reading the Dockerfile or archives).
   *
   * @param path Absolute normalised path in the context.
   * @returns The host path, or undefined.
   */
  hostPath(path: string): string | undefined {
    return this.#nodes.get(path)?.hostPath;
  }
}

function nodeOf(path: string, hostPath: string, info: Deno.FileInfo): ContextNode {
  const type = info.isDirectory
    ? "dir"
    : info.isSymlink
    ? "symlink"
    : info.isFile
    ? "file"
    : "fifo";
  return {
    path,
    hostPath,
    type,
    mode: (info.mode ?? (type === "dir" ? 0o755 : 0o644)) & 0o7777,
    uid: 0,
    gid: 0,
    size: type === "file" ? info.size : 0,
    mtimeMs: info.mtime?.getTime() ?? 0,
    linkTarget: type === "symlink" ? Deno.readLinkSync(hostPath) : undefined,
    stamp: `${info.dev}:${info.ino}:${info.size}:${info.mtime?.getTime()}:${info.ctime?.getTime()}`,
  };
}
