/**
 * `COPY` and `ADD` as change sets, with Docker's rules: wildcards and several sources
 * need a destination ending in `/`; a directory source copies its contents; a file goes
 * into an existing directory or becomes the destination path; relative destinations
 * start at `WORKDIR`; missing parents are created; `--chown` (names looked up in the
 * stage's /etc/passwd and /etc/group) and `--chmod`; `ADD` extracts local tar archives
 * (gzip too) and refuses URLs (Berth works offline).
 *
 * The cache key input lists every copied path with its type, mode, owner, size and
 * content digest — never its mtime.
 *
 * @module
 */
import { createTarDecoder } from "modern-tar";
import { layerEntryType } from "./_tar_entry_type.ts";
import { fileChunks } from "../store/blob_ingest.ts";
import type { CopyInstruction } from "./instructions.ts";
import type { ChangeData, LayerChange } from "./layer_writer.ts";
import {
  cleanInRoot,
  expandSource,
  type SourceNode,
  type SourceTree,
  walkTree,
} from "./source_tree.ts";
import { expandWord, ExpansionError, type LexEnv } from "./shell_lex.ts";
import { IgnoreMatcher } from "./dockerignore.ts";

/** What a COPY/ADD step needs besides the instruction. */
export interface CopyContext {
  /** Where sources come from (the context, a stage or an image). */
  source: SourceTree;
  /** True when `source` is the build context (owners become 0:0 as in Docker). */
  fromContext: boolean;
  /**
   * Opens the stage's own file system (destination checks, user names). Only called on a
   * cache miss: the parent's cache key already determines its content.
   */
  target: () => Promise<TargetTree>;
  /** Variables for expansion. */
  env: LexEnv;
  /** Escape character. */
  escape: string;
  /** Current WORKDIR ("" = "/"). */
  workdir: string;
  /** A scratch directory that lives until the step's layer is written (ADD archives). */
  scratchDir: () => Promise<string>;
  /** mtime (ms) of directories the step creates and of heredoc files. */
  stepTimeMs: number;
  /** Collects unset variables used without a default (UndefinedVar). */
  unmatched?: Set<string>;
  /** Fails the step with a message (adds file:line). */
  fail: (message: string) => never;
}

/** The stage's file system as COPY sees it. */
export type TargetTree = SourceTree & { readText?(path: string): Promise<string | undefined> };

/** A planned copy. */
export interface CopyPlan {
  /** Work out the entries of the new layer (opens the stage's file system). */
  changes: () => Promise<LayerChange[]>;
  /** The cache key input. */
  keyInput: string;
  /** The history text. */
  createdBy: string;
}

const URL_SOURCE = /^(?:[a-z][a-z0-9+.-]*:\/\/|git@)/i;

function basename(p: string): string {
  return p.slice(p.lastIndexOf("/") + 1);
}

function parentsOf(path: string): string[] {
  const out: string[] = [];
  let p = path;
  while (p !== "/") {
    p = p.slice(0, p.lastIndexOf("/")) || "/";
    if (p !== "/") out.unshift(p);
  }
  return out;
}

function parseIdList(text: string, idOf: Map<string, number>): number | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  return idOf.get(text);
}

/**
 * Resolve `--chown=user[:group]` in a stage: numbers as is, names from its /etc/passwd and
 * /etc/group; a user without a group uses the user's primary group (or the same number).
 *
 * @param spec The flag value.
 * @param target The stage's file system.
 * @returns uid and gid.
 * @throws Error naming the user or group that does not exist.
 */
export async function resolveChown(
  spec: string,
  target: TargetTree,
): Promise<{ uid: number; gid: number }> {
  const [user = "", group] = spec.split(":", 2);
  const passwd = (await target.readText?.("/etc/passwd")) ?? "";
  const groups = (await target.readText?.("/etc/group")) ?? "";
  const users = new Map<string, number>();
  const primary = new Map<number, number>();
  for (const line of passwd.split("\n")) {
    const f = line.split(":");
    if (f.length >= 4 && /^\d+$/.test(f[2]!) && /^\d+$/.test(f[3]!)) {
      users.set(f[0]!, Number(f[2]));
      primary.set(Number(f[2]), Number(f[3]));
    }
  }
  const gids = new Map<string, number>();
  for (const line of groups.split("\n")) {
    const f = line.split(":");
    if (f.length >= 3 && /^\d+$/.test(f[2]!)) gids.set(f[0]!, Number(f[2]));
  }
  const uid = parseIdList(user, users);
  if (uid === undefined) {
    throw new Error(`unable to find user ${user}: no matching entries in passwd file`);
  }
  if (group === undefined || group === "") {
    return { uid, gid: /^\d+$/.test(user) ? uid : primary.get(uid) ?? uid };
  }
  const gid = parseIdList(group, gids);
  if (gid === undefined) {
    throw new Error(`unable to find group ${group}: no matching entries in group file`);
  }
  return { uid, gid };
}

function parseChmod(text: string, fail: (m: string) => never): number {
  if (!/^[0-7]{3,4}$/.test(text)) {
    fail(`invalid chmod parameter "${text}": only octal modes are supported`);
  }
  return parseInt(text, 8);
}

function dataFrom(tree: SourceTree, node: SourceNode): ChangeData {
  return { kind: "stream", open: () => tree.read(node) };
}

/** Is this a tar (optionally gzip) archive? Returns the uncompressed bytes if so. */
/** A stream of a source file's bytes. */
function streamOf(tree: SourceTree, node: SourceNode): ReadableStream<Uint8Array> {
  const it = tree.read(node)[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(c) {
      const r = await it.next();
      if (r.done) c.close();
      else c.enqueue(r.value);
    },
    async cancel() {
      await it.return?.();
    },
  });
}

/** Read up to `want` bytes from the start of a stream, then cancel it. */
async function headOf(stream: ReadableStream<Uint8Array>, want: number): Promise<Uint8Array> {
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let have = 0;
  try {
    while (have < want) {
      const r = await reader.read();
      if (r.done) break;
      parts.push(r.value);
      have += r.value.length;
    }
  } catch {
    // a truncated gzip stream: keep what was inflated
  } finally {
    await reader.cancel().catch(() => {});
  }
  const out = new Uint8Array(have);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/**
 * Whether a source file is a tar archive ADD extracts: "tar", "gzip" (tar.gz), or
 * undefined for any other file. Reads only its first bytes.
 */
async function archiveKind(
  tree: SourceTree,
  node: SourceNode,
  fail: (m: string) => never,
  name: string,
): Promise<"tar" | "gzip" | undefined> {
  const head = await headOf(streamOf(tree, node), 512);
  let tarHead = head;
  let kind: "tar" | "gzip" = "tar";
  if (head[0] === 0x1f && head[1] === 0x8b) {
    kind = "gzip";
    tarHead = await headOf(
      streamOf(tree, node).pipeThrough(
        new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>,
      ),
      512,
    );
  } else if (head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68) {
    fail(`ADD ${name}: bzip2 archives are not supported by Berth; decompress it or use a .tar.gz`);
  } else if (head[0] === 0xfd && head[1] === 0x37 && head[2] === 0x7a && head[3] === 0x58) {
    fail(`ADD ${name}: xz archives are not supported by Berth; decompress it or use a .tar.gz`);
  }
  return new TextDecoder().decode(tarHead.subarray(257, 262)) === "ustar" ? kind : undefined;
}

/**
 * Plan a COPY/ADD: expand it, list its changes and its cache key input.
 *
 * @param ins The instruction.
 * @param ctx Sources, stage, variables.
 * @returns The changes, key input and history text.
 * @throws what `ctx.fail` throws for user errors.
 */
export async function planCopy(ins: CopyInstruction, ctx: CopyContext): Promise<CopyPlan> {
  const { fail } = ctx;
  const word = (w: string) => {
    try {
      return expandWord(w, ctx.env, ctx.escape, ctx.unmatched);
    } catch (e) {
      if (e instanceof ExpansionError) fail(e.message);
      throw e;
    }
  };
  const name = ins.kind.toUpperCase();
  // --exclude: patterns (dockerignore syntax) matched against paths relative to each
  // copied source (a file source: its name).
  const exclude = ins.exclude.length > 0
    ? new IgnoreMatcher(ins.exclude.map((e) => word(e)))
    : undefined;
  if (ins.kind === "add" && ins.from !== undefined) {
    fail("ADD does not support --from; use COPY --from");
  }
  const rawDest = word(ins.dest);
  if (rawDest === "") fail(`${name}: the destination is empty`);
  const base = ctx.workdir || "/";
  const destIsDirSyntax = rawDest.endsWith("/") || rawDest === "." || rawDest === ".." ||
    rawDest.endsWith("/.") || rawDest.endsWith("/..");
  const dest = cleanInRoot(rawDest, base);
  const chownSpec = ins.chown === undefined ? undefined : word(ins.chown);
  const chmod = ins.chmod === undefined ? undefined : parseChmod(word(ins.chmod), fail);
  const heredocs = new Map(ins.heredocs.map((h) => [h.name, h]));

  // Expand sources first: the count decides whether dest must be a directory.
  const items: Item[] = [];
  for (const rawSource of ins.sources) {
    const hm = /^<<-?(["']?)([A-Za-z_][A-Za-z0-9_.-]*)\1$/.exec(rawSource);
    const h = hm ? heredocs.get(hm[2]!) : undefined;
    if (h) {
      const content = h.expand ? word(`"${h.content.replace(/"/g, '\\"')}"`) : h.content;
      items.push({ kind: "bytes", name: h.name, bytes: new TextEncoder().encode(content) });
      continue;
    }
    const source = word(rawSource);
    if (URL_SOURCE.test(source)) {
      if (ins.kind === "copy") {
        fail(`COPY does not accept URLs ("${source}"); use ADD, or a file of the context`);
      }
      fail(
        `ADD ${source}: downloading from a URL is not supported: Berth builds offline. ` +
          `Download the file into the build context and ADD or COPY it from there`,
      );
    }
    let hits: { named: string; node: SourceNode }[] = [];
    try {
      hits = expandSource(ctx.source, source);
    } catch (e) {
      fail((e as Error).message);
    }
    for (const hit of hits) {
      if (exclude && hit.node.type !== "dir" && exclude.excludes(basename(hit.named))) continue;
      if (ins.kind === "add" && hit.node.type === "file") {
        const archive = await archiveKind(ctx.source, hit.node, fail, source);
        if (archive) {
          const digest = await ctx.source.contentDigest(hit.node);
          items.push({
            kind: "archive",
            name: hit.named,
            node: hit.node,
            gzip: archive === "gzip",
            digest,
          });
          continue;
        }
      }
      items.push({ kind: "node", ...hit });
    }
  }
  const many = items.length > 1;
  if (many && !destIsDirSyntax) {
    fail(
      `When using ${name} with more than one source file, the destination must be a directory and end with a /`,
    );
  }
  // The key: everything the result depends on besides the parent (whose key fixes the
  // stage's file system): flags, destination, and each source entry by content.
  const keyParts: string[] = [
    `${name} dest=${dest} dirSyntax=${destIsDirSyntax} chown=${chownSpec ?? "-"} chmod=${
      chmod ?? "-"
    }`,
  ];
  const describe = async (node: SourceNode, named: string) => {
    const digest = node.type === "file" ? await ctx.source.contentDigest(node) : "";
    const owner = ctx.fromContext ? "" : `${node.uid}:${node.gid}`;
    keyParts.push(
      `${node.type} ${named} ${node.mode.toString(8)} ${owner} ${node.size} ${digest} ${
        node.linkTarget ?? ""
      }`,
    );
  };
  for (const item of items) {
    if (item.kind === "bytes") {
      keyParts.push(`heredoc ${item.name} ${new TextDecoder().decode(item.bytes)}`);
    } else if (item.kind === "archive") {
      keyParts.push(`archive ${item.name} ${item.digest}`);
    } else {
      await describe(item.node, item.named);
      if (item.node.type === "dir") {
        for (const child of walkCopied(ctx.source, item.node, exclude)) {
          await describe(child.node, child.node.path);
        }
      }
    }
  }
  const createdBy = `${name} ${ins.from ? `--from=${word(ins.from)} ` : ""}${
    ins.sources.map((s) => word(s)).join(" ")
  } ${rawDest}`;
  return {
    keyInput: keyParts.join("\n"),
    createdBy,
    changes: () =>
      copyChanges(ctx, { dest, destIsDirSyntax, many, chownSpec, chmod, items, exclude }),
  };
}

/** The nodes a directory source copies, minus `--exclude` matches (and their contents). */
function walkCopied(
  tree: SourceTree,
  dir: SourceNode,
  exclude?: IgnoreMatcher,
): { node: SourceNode; rel: string }[] {
  const out: { node: SourceNode; rel: string }[] = [];
  for (const node of walkTree(tree, dir.path)) {
    const rel = node.path.slice(dir.path === "/" ? 1 : dir.path.length + 1);
    if (exclude?.excludes(rel)) continue;
    out.push({ node, rel });
  }
  return out;
}

type Item =
  | { kind: "node"; named: string; node: SourceNode }
  | { kind: "bytes"; name: string; bytes: Uint8Array }
  | { kind: "archive"; name: string; node: SourceNode; gzip: boolean; digest: string };

/** Phase two of a copy (cache miss): the layer's entries, against the stage's files. */
async function copyChanges(
  ctx: CopyContext,
  plan: {
    dest: string;
    destIsDirSyntax: boolean;
    many: boolean;
    chownSpec?: string;
    chmod?: number;
    items: Item[];
    exclude?: IgnoreMatcher;
  },
): Promise<LayerChange[]> {
  const { dest, chmod, items } = plan;
  const fail = ctx.fail;
  const target = await ctx.target();
  let owner: { uid: number; gid: number } | undefined;
  if (plan.chownSpec !== undefined) {
    try {
      owner = await resolveChown(plan.chownSpec, target);
    } catch (e) {
      fail((e as Error).message);
    }
  }
  const destIsDir = plan.destIsDirSyntax || plan.many || target.lookup(dest)?.type === "dir";
  const changes: LayerChange[] = [];
  const created = new Set<string>();
  const ensureDir = (path: string, mode = 0o755) => {
    if (path === "/" || created.has(path)) return;
    const node = target.lookup(path);
    if (node?.type === "dir") return;
    if (node) fail(`cannot copy to ${path}: it exists and is not a directory`);
    created.add(path);
    changes.push({
      path,
      type: "dir",
      mode,
      uid: owner?.uid ?? 0,
      gid: owner?.gid ?? 0,
      mtimeMs: ctx.stepTimeMs,
      size: 0,
    });
  };
  const addNode = (tree: SourceTree, node: SourceNode, to: string) => {
    for (const p of parentsOf(to)) ensureDir(p);
    const uid = owner?.uid ?? (ctx.fromContext ? 0 : node.uid);
    const gid = owner?.gid ?? (ctx.fromContext ? 0 : node.gid);
    const mode = chmod ?? node.mode;
    const change: LayerChange = {
      path: to,
      type: node.type === "hardlink" ? "file" : node.type,
      mode,
      uid,
      gid,
      mtimeMs: node.mtimeMs,
      size: node.type === "file" ? node.size : 0,
      linkTarget: node.type === "symlink" ? node.linkTarget : undefined,
    };
    if (change.type === "file") change.data = dataFrom(tree, node);
    changes.push(change);
    created.add(to);
  };

  for (const item of items) {
    if (item.kind === "bytes") {
      const to = destIsDir ? cleanInRoot(item.name, dest) : dest;
      for (const p of parentsOf(to)) ensureDir(p);
      changes.push({
        path: to,
        type: "file",
        mode: chmod ?? 0o644,
        uid: owner?.uid ?? 0,
        gid: owner?.gid ?? 0,
        mtimeMs: ctx.stepTimeMs,
        size: item.bytes.length,
        data: { kind: "bytes", bytes: item.bytes },
      });
      continue;
    }
    if (item.kind === "archive") {
      ensureDir(dest);
      for (const p of parentsOf(dest)) ensureDir(p);
      // Stream the archive: file bodies go to scratch files the layer writer reads back.
      const scratch = await ctx.scratchDir();
      let stream = streamOf(ctx.source, item.node);
      if (item.gzip) {
        stream = stream.pipeThrough(
          new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>,
        );
      }
      let serial = 0;
      for await (const entry of stream.pipeThrough(createTarDecoder())) {
        const h = entry.header;
        const rel = h.name.replace(/^\.?\/+/, "");
        if (rel === "" || rel === "." || h.type === "pax-global-header") {
          await entry.body.cancel();
          continue;
        }
        if (rel.split("/").includes("..")) {
          await entry.body.cancel();
          fail(`ADD ${item.name}: archive entry "${h.name}" escapes the destination`);
        }
        const to = cleanInRoot(rel, dest);
        for (const p of parentsOf(to)) if (!created.has(p) && p.startsWith(dest)) ensureDir(p);
        const type = layerEntryType(h.type);
        if (type === "hardlink" && (h.linkname ?? "").split("/").includes("..")) {
          await entry.body.cancel();
          fail(`ADD ${item.name}: hard link "${h.name}" points outside the archive`);
        }
        let data: LayerChange["data"];
        let size = 0;
        if (type === "file") {
          const file = `${scratch}/${serial++}`;
          const f = await Deno.open(file, { write: true, createNew: true, mode: 0o600 });
          await entry.body.pipeTo(f.writable);
          size = (await Deno.stat(file)).size;
          data = { kind: "stream", open: () => fileChunks(file) };
        } else {
          await entry.body.cancel();
        }
        changes.push({
          path: to,
          type,
          mode: chmod ?? (h.mode ?? (type === "dir" ? 0o755 : 0o644)),
          uid: owner?.uid ?? h.uid ?? 0,
          gid: owner?.gid ?? h.gid ?? 0,
          mtimeMs: h.mtime?.getTime() ?? ctx.stepTimeMs,
          size,
          linkTarget: type === "symlink"
            ? h.linkname
            : type === "hardlink"
            ? cleanInRoot(h.linkname ?? "", dest)
            : undefined,
          data,
        });
        created.add(to);
      }
      continue;
    }
    const { node, named } = item;
    if (node.type === "dir") {
      // A directory source copies its contents into dest (created if missing).
      if (dest !== "/") {
        for (const p of parentsOf(dest)) ensureDir(p);
        if (target.lookup(dest)?.type !== "dir" && !created.has(dest)) {
          ensureDir(dest, chmod ?? node.mode);
        }
      }
      for (const child of walkCopied(ctx.source, node, plan.exclude)) {
        addNode(ctx.source, child.node, cleanInRoot(child.rel, dest));
      }
      continue;
    }
    const to = destIsDir ? cleanInRoot(basename(named), dest) : dest;
    addNode(ctx.source, node, to);
  }
  return changes;
}
