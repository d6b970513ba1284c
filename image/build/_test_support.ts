/**
 * Test support for the builder: temp state roots and contexts, reading files out of a
 * built image through the real layer indexes, and a deterministic {@link StepRunner}.
 *
 * The runner here is a TEST DOUBLE FOR THE RUNNER BOUNDARY ONLY (the kernel-backed
 * runner belongs to the daemon): it interprets a tiny script language instead of a
 * shell — one command per line of the `sh -c` text:
 *   `write PATH TEXT…`   add a file (mode 0644) to the diff
 *   `mkdir PATH`         add a directory
 *   `rm PATH`            whiteout PATH
 *   `echo TEXT…`         print a line
 *   `env NAME`           print NAME=value from the step's env
 *   `exit N`             stop with status N
 * Everything else prints "unknown: …" and exits 127, as a shell would.
 *
 * @module
 */
import { join } from "node:path";
import { openStore, type Store, type StoredImage } from "../store/store.ts";
import { ImageTree, LayerCache } from "./image_tree.ts";
import { type LayerChange, writeLayerTar } from "./layer_writer.ts";
import type { RunStep, RunStepResult, StepRunner } from "./step_runner.ts";

/** A temp state root with an open store; `dispose()` removes it. */
export async function tempStore(): Promise<
  { root: string; store: Store; dispose: () => Promise<void> }
> {
  const root = await Deno.makeTempDir({ prefix: "berth-build-test-" });
  const store = await openStore(root);
  return { root, store, dispose: () => Deno.remove(root, { recursive: true }) };
}

/** Write files (path → content; a trailing "/" makes a directory) into a new temp dir. */
export async function tempContext(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "berth-build-ctx-" });
  await writeFiles(dir, files);
  return dir;
}

/** Write files into a directory. */
export async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const full = join(dir, path);
    if (path.endsWith("/")) {
      await Deno.mkdir(full, { recursive: true });
      continue;
    }
    await Deno.mkdir(full.slice(0, full.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(full, content);
  }
}

/** Open a built image's file system through the store's layer indexes. */
export async function imageFiles(store: Store, image: StoredImage): Promise<{
  tree: ImageTree;
  text: (path: string) => Promise<string | undefined>;
  close: () => Promise<void>;
}> {
  const layers = new LayerCache(store);
  const tree = await ImageTree.open(layers, image.config.rootfs.diff_ids, "test image");
  return { tree, text: (p) => tree.readText(p), close: () => layers.close() };
}

/** The deterministic runner double (see the module doc). Records every step it ran. */
export class ScriptRunner implements StepRunner {
  /** Steps run, in order. */
  readonly steps: RunStep[] = [];

  /**
   * @param step The step.
   * @returns Exit code and diff.
   */
  async run(step: RunStep): Promise<RunStepResult> {
    this.steps.push(step);
    const enc = new TextEncoder();
    const out = (s: string) => step.onOutput?.(enc.encode(s + "\n"));
    const script = step.argv[step.argv.length - 1] ?? "";
    const changes: LayerChange[] = [];
    const env = new Map(
      step.env.map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
    );
    const abs = (p: string) => (p.startsWith("/") ? p : `${step.workdir.replace(/\/$/, "")}/${p}`);
    for (const line of script.split("\n")) {
      const [cmd, ...args] = line.trim().split(/\s+/);
      if (!cmd) continue;
      const base = { mode: 0o644, uid: 0, gid: 0, mtimeMs: Date.now(), size: 0 };
      if (cmd === "write") {
        const bytes = enc.encode(args.slice(1).join(" "));
        changes.push({
          ...base,
          path: abs(args[0]!),
          type: "file",
          size: bytes.length,
          data: { kind: "bytes", bytes },
        });
      } else if (cmd === "mkdir") {
        changes.push({ ...base, path: abs(args[0]!), type: "dir", mode: 0o755 });
      } else if (cmd === "rm") {
        changes.push({ ...base, path: abs(args[0]!), type: "whiteout" });
      } else if (cmd === "echo") {
        out(args.join(" "));
      } else if (cmd === "env") {
        out(`${args[0]}=${env.get(args[0]!) ?? ""}`);
      } else if (cmd === "exit") {
        return { exitCode: Number(args[0]) };
      } else {
        out(`unknown: ${line}`);
        return { exitCode: 127 };
      }
    }
    await Promise.resolve();
    return { exitCode: 0, diff: changes.length > 0 ? writeLayerTar(changes) : undefined };
  }
}
