/**
 * `RUN`: the argv (shell form through `SHELL`, heredocs handed to the shell as here
 * documents, a lone `<<EOF` run as a script), cache mounts, and the run itself through
 * the {@link StepRunner}. The runner's upper diff is re-packed by the reproducible
 * writer (sorted, mtimes clamped to SOURCE_DATE_EPOCH) so RUN layers are as stable as
 * the runner's output.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { unpackTar } from "modern-tar";
import { layerEntryType } from "./_tar_entry_type.ts";
import { TarIndexer } from "../layer/tar_indexer.ts";
import type { RunInstruction } from "./instructions.ts";
import type { LayerChange } from "./layer_writer.ts";
import type { StepCacheMount, StepLayer, StepRunner } from "./step_runner.ts";

/** A RUN step ready to execute. */
export interface RunPlan {
  /** What to exec. */
  argv: string[];
  /** Cache mounts. */
  cacheMounts: StepCacheMount[];
  /** Cache key input. */
  keyInput: string;
  /** History text. */
  createdBy: string;
  /** Notes for the user (ignored flags). */
  warnings: string[];
}

/** A RUN step that exited non-zero: carries the command, status and last output lines. */
export class RunFailedError extends Error {
  /** The argv that ran. */
  readonly argv: string[];
  /** Its exit status. */
  readonly exitCode: number;
  /** The last lines of its output. */
  readonly lastOutput: string[];
  /**
   * Make the error.
   *
   * @param where "Dockerfile:7".
   * @param argv The command.
   * @param exitCode Exit status.
   * @param lastOutput Last output lines.
   */
  constructor(where: string, argv: string[], exitCode: number, lastOutput: string[]) {
    const tail = lastOutput.length > 0 ? `\n${lastOutput.map((l) => `  ${l}`).join("\n")}` : "";
    super(
      `${where}: process "${
        argv.join(" ")
      }" did not complete successfully: exit code: ${exitCode}${tail}`,
    );
    this.name = "RunFailedError";
    this.argv = argv;
    this.exitCode = exitCode;
    this.lastOutput = lastOutput;
  }
}

/**
 * Work out a RUN's argv, mounts and cache key.
 *
 * @param ins The instruction.
 * @param shell The stage's SHELL.
 * @param cacheMountRoot Host directory under which cache mounts persist.
 * @param fail Fails the step with a message.
 * @returns The plan.
 */
export function planRun(
  ins: RunInstruction,
  shell: readonly string[],
  cacheMountRoot: string,
  fail: (m: string) => never,
): RunPlan {
  const warnings: string[] = [];
  let argv: string[];
  if (ins.command.form === "exec") {
    argv = [...ins.command.argv];
  } else if (
    ins.heredocs.length === 1 &&
    /^<<-?(["']?)[A-Za-z_][A-Za-z0-9_.-]*\1$/.test(ins.command.text.trim())
  ) {
    // A lone heredoc is the script. With a `#!` line, as BuildKit runs it with that
    // interpreter: here the interpreter reads the script on its standard input.
    const content = ins.heredocs[0]!.content;
    const shebang = /^#!\s*(\S.*)\n/.exec(content);
    argv = shebang
      ? [...shell, `${shebang[1]} <<'BERTH_HEREDOC_EOF'\n${content}BERTH_HEREDOC_EOF\n`]
      : [...shell, content];
  } else if (ins.heredocs.length > 0) {
    argv = [
      ...shell,
      ins.command.text + "\n" + ins.heredocs.map((h) => h.content + h.name + "\n").join(""),
    ];
  } else {
    argv = [...shell, ins.command.text];
  }
  const cacheMounts: StepCacheMount[] = [];
  for (const m of ins.mounts) {
    if (m.type !== "cache") {
      fail(`RUN --mount=type=${m.type} is not supported by Berth (only type=cache)`);
    }
    if (!m.target.startsWith("/")) {
      fail(`RUN --mount: target "${m.target}" must be an absolute path`);
    }
    const id = m.id ?? m.target;
    const hex = createHash("sha256").update(id).digest("hex").slice(0, 32);
    cacheMounts.push({ target: m.target, id, hostDir: join(cacheMountRoot, hex) });
  }
  if (ins.network !== undefined) {
    warnings.push(
      `RUN --network=${ins.network} ignored: build containers have no network in Berth`,
    );
  }
  const createdBy = `RUN ${argv.map((a) => a.includes("\n") ? JSON.stringify(a) : a).join(" ")}`;
  const keyInput = `RUN ${JSON.stringify(argv)} mounts=${
    JSON.stringify(cacheMounts.map((m) => [m.target, m.id]))
  }`;
  return { argv, cacheMounts, keyInput, createdBy, warnings };
}

/** What executing a RUN needs. */
export interface RunExecution {
  /** The runner. */
  runner: StepRunner;
  /** The stage's layers. */
  layers: StepLayer[];
  /** Environment. */
  env: string[];
  /** USER. */
  user: string;
  /** WORKDIR. */
  workdir: string;
  /** Limits. */
  limits?: { memoryBytes?: number; cpus?: number };
  /** Output sink. */
  onOutput?: (chunk: Uint8Array) => void;
  /** Abort. */
  signal?: AbortSignal;
  /** "Dockerfile:7" for errors. */
  where: string;
}

/**
 * Run a planned RUN and return its diff as changes (undefined when nothing changed).
 *
 * @param plan The plan.
 * @param exec Runner and environment.
 * @returns The changes of the new layer, or undefined.
 * @throws {RunFailedError} when the command exits non-zero.
 */
export async function executeRun(
  plan: RunPlan,
  exec: RunExecution,
): Promise<LayerChange[] | undefined> {
  for (const m of plan.cacheMounts) await Deno.mkdir(m.hostDir, { recursive: true });
  const tail = new OutputTail(20);
  const result = await exec.runner.run({
    layers: exec.layers,
    env: exec.env,
    user: exec.user,
    workdir: exec.workdir || "/",
    argv: plan.argv,
    cacheMounts: plan.cacheMounts,
    limits: exec.limits,
    signal: exec.signal,
    onOutput: (chunk) => {
      tail.push(chunk);
      exec.onOutput?.(chunk);
    },
  });
  if (result.exitCode !== 0) {
    if (result.diff instanceof ReadableStream) await result.diff.cancel();
    throw new RunFailedError(exec.where, plan.argv, result.exitCode, tail.lines());
  }
  if (result.diff === undefined) return undefined;
  const bytes = result.diff instanceof Uint8Array
    ? result.diff
    : new Uint8Array(await new Response(result.diff).arrayBuffer());
  if (bytes.length === 0) return undefined;
  return diffToChanges(bytes);
}

/**
 * Turn a layer tar into changes (whiteout and opaque markers kept as the files they are).
 *
 * @param tar Uncompressed tar bytes.
 * @returns The changes, or undefined when the tar has no entries.
 */
export async function diffToChanges(tar: Uint8Array): Promise<LayerChange[] | undefined> {
  const changes: LayerChange[] = [];
  // modern-tar reads neither device numbers nor xattrs: the layer indexer does.
  const indexer = new TarIndexer("RUN diff");
  indexer.push(tar);
  const indexed = new Map(indexer.finish().entries.map((e) => [e.path, e]));
  for (const entry of await unpackTar(tar)) {
    const h = entry.header;
    const path = "/" + h.name.replace(/^\.?\/+/, "").replace(/\/+$/, "");
    if (path === "/" || path.split("/").includes("..")) continue;
    const type = layerEntryType(h.type);
    const data = entry.data ?? new Uint8Array();
    changes.push({
      path,
      type,
      mode: h.mode ?? 0o644,
      uid: h.uid ?? 0,
      gid: h.gid ?? 0,
      mtimeMs: h.mtime?.getTime() ?? 0,
      size: type === "file" ? data.length : 0,
      linkTarget: type === "hardlink" ? "/" + (h.linkname ?? "").replace(/^\/+/, "") : h.linkname,
      data: type === "file" ? { kind: "bytes", bytes: data } : undefined,
      devMajor: indexed.get(path)?.devMajor,
      devMinor: indexed.get(path)?.devMinor,
      xattrs: indexed.get(path)?.xattrs,
    });
  }
  return changes.length > 0 ? changes : undefined;
}

/** Keeps the last N lines of a byte stream. */
class OutputTail {
  #max: number;
  #lines: string[] = [];
  #partial = "";
  #decoder = new TextDecoder();
  constructor(max: number) {
    this.#max = max;
  }
  push(chunk: Uint8Array): void {
    const text = this.#partial + this.#decoder.decode(chunk, { stream: true });
    const parts = text.split("\n");
    this.#partial = parts.pop() ?? "";
    this.#lines.push(...parts);
    if (this.#lines.length > this.#max) this.#lines.splice(0, this.#lines.length - this.#max);
  }
  lines(): string[] {
    const out = [...this.#lines];
    if (this.#partial !== "") out.push(this.#partial);
    return out.slice(-this.#max);
  }
}
