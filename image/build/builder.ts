/**
 * `berth build`: a Dockerfile and a context in, an image in the store out.
 *
 * Stages are built only when the target needs them (`FROM <stage>`, `COPY --from`), in
 * file order. Each layer-making step (`COPY`, `ADD`, `RUN`, `WORKDIR` that creates its
 * directory) is keyed by its parent's key and its full input and looked up in the
 * {@link BuildCache}; metadata steps only extend the key. Nothing is tagged unless the
 * whole build succeeds.
 *
 * @module
 */
import { join } from "node:path";
import { type Digest, sha256Digest } from "../store/digest.ts";
import { ImageError } from "../store/errors.ts";
import { formatReference, parseReference } from "../store/reference.ts";
import type { ImageLayer, Store, StoredImage } from "../store/store.ts";
import { BuildCache, builderDirOf } from "./build_cache.ts";
import { BuildContext, loadDigestMemo, loadIgnoreFile, saveDigestMemo } from "./build_context.ts";
import type { BuildEvent } from "./build_progress.ts";
import { DockerfileError } from "./dockerfile_parser.ts";
import { EmptyTree, ImageTree, LayerCache } from "./image_tree.ts";
import {
  type CopyInstruction,
  type Instruction,
  parseInstructions,
  parseTrigger,
} from "./instructions.ts";
import { type LayerChange, writeLayerTar } from "./layer_writer.ts";
import type { SourceTree } from "./source_tree.ts";
import { cleanInRoot } from "./source_tree.ts";
import { stateFromImage, stateFromScratch, stateFromStage } from "./stage_from.ts";
import {
  applyMetadata,
  type BuildImageConfig,
  BuildStepError,
  chainKey,
  DEFAULT_SHELL,
  expansionEnv,
  type MetadataContext,
  PROXY_ARGS,
  type StageState,
} from "./stage_state.ts";
import { planCopy } from "./step_copy.ts";
import { checkSkips, closestName } from "./dockerfile_checks.ts";
import { expandOrFail, planStages } from "./stage_plan.ts";
import { executeRun, planRun } from "./step_run.ts";
import type { StepRunner } from "./step_runner.ts";

/** Options of {@link build}. */
export interface BuildOptions {
  /** The image store. */
  store: Store;
  /** The build context directory (a tar context is extracted to a directory first). */
  contextDir: string;
  /**
   * Path of the Dockerfile: absolute, or relative to the context (as the Engine API's
   * `dockerfile` parameter); default `Dockerfile`, else `Containerfile`, in the context.
   */
  dockerfile?: string;
  /** The Dockerfile's text (`-f -`); wins over `dockerfile`. */
  dockerfileText?: string;
  /** Tags for the result (`-t`, repeatable). */
  tags?: string[];
  /** Stage to build (`--target`); default the last. */
  target?: string;
  /** `--build-arg` values. */
  buildArgs?: Record<string, string>;
  /** Ignore cached steps (`--no-cache`); results are still cached. */
  noCache?: boolean;
  /** Runs RUN steps; without one a RUN fails with a clear message. */
  runner?: StepRunner;
  /** Progress events. */
  onEvent?: (event: BuildEvent) => void;
  /**
   * SOURCE_DATE_EPOCH (seconds): fixed timestamps for a reproducible digest. A
   * `SOURCE_DATE_EPOCH` build arg, as in BuildKit, takes precedence.
   */
  sourceDateEpoch?: number;
  /** Limits of RUN build containers (`--memory`, `--cpus`). */
  limits?: { memoryBytes?: number; cpus?: number };
  /** Builder state directory (default `<state root>/builder`). */
  builderDir?: string;
  /** Abort the build. */
  signal?: AbortSignal;
  /** `--label`: labels set on the final image. */
  labels?: Record<string, string>;
  /**
   * Remember content digests of the context's files across builds (default true). Off for
   * throw-away contexts (a tar extracted per build), whose files never match again.
   */
  digestMemo?: boolean;
}

/** The built image. */
export interface BuildResult {
  /** Image ID (config digest). */
  id: Digest;
  /** Manifest digest. */
  manifestDigest: Digest;
  /** Tags applied. */
  tags: string[];
  /** The image as stored. */
  image: StoredImage;
  /** Warnings (unused build args, ignored directives). */
  warnings: string[];
  /** Steps total and how many were cached. */
  steps: { total: number; cached: number };
}

const LAYER_KINDS = new Set(["run", "copy", "add", "workdir"]);

async function readDockerfile(
  options: BuildOptions,
): Promise<{ text: string; name: string; path?: string }> {
  if (options.dockerfileText !== undefined) {
    return { text: options.dockerfileText, name: "Dockerfile" };
  }
  const candidates = options.dockerfile
    ? [
      options.dockerfile.startsWith("/")
        ? options.dockerfile
        : join(options.contextDir, options.dockerfile),
    ]
    : [join(options.contextDir, "Dockerfile"), join(options.contextDir, "Containerfile")];
  for (const path of candidates) {
    try {
      return {
        text: await Deno.readTextFile(path),
        name: path.slice(path.lastIndexOf("/") + 1),
        path,
      };
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
  throw new ImageError(
    `Cannot find a Dockerfile: looked for ${candidates.join(" and ")}. Use -f to name it`,
  );
}

/**
 * Build an image.
 *
 * @param options Context, Dockerfile, tags, target, args, runner, progress.
 * @returns The image and what happened.
 * @throws {DockerfileError} for syntax errors (file:line), {BuildStepError} for a step
 *   that cannot be done, {RunFailedError} for a RUN that failed, ImageError for store
 *   problems. On failure no tag is written.
 * @example
 * ```ts ignore
 * import { build } from "./builder.ts";
 * const { id } = await build({ store, contextDir: ".", tags: ["web:1"], runner });
 * ```
 */
export async function build(options: BuildOptions): Promise<BuildResult> {
  const { store } = options;
  const emit = options.onEvent ?? (() => {});
  const df = await readDockerfile(options);
  const parsed = parseInstructions(df.text, df.name);
  const warnings = [...parsed.warnings];
  const warn = (message: string) => {
    if (warnings.includes(message)) return;
    warnings.push(message);
    emit({ type: "warning", message });
  };
  const skipChecks = checkSkips(parsed.checkDirective);
  const undefinedVars = (names: Set<string>, line: number, env: ReadonlyMap<string, string>) => {
    if (skipChecks.has("all") || skipChecks.has("undefinedvar")) return;
    for (const name of names) {
      if (PROXY_ARGS.includes(name)) continue;
      const hint = closestName(name, [...env.keys()]);
      warn(
        `UndefinedVar: Usage of undefined variable '$${name}'${
          hint ? ` (did you mean $${hint}?)` : ""
        } (line ${line})`,
      );
    }
  };
  for (const w of parsed.warnings) emit({ type: "warning", message: w });
  const tags = (options.tags ?? []).map((t) => {
    parseReference(t); // validate before doing any work
    return t;
  });
  const file = df.name;
  const escape = parsed.escape;
  const buildArgs = new Map(Object.entries(options.buildArgs ?? {}));
  const consumed = new Set<string>();
  // As BuildKit: the SOURCE_DATE_EPOCH build arg sets the epoch (and wins); an empty one
  // means none.
  let epoch = options.sourceDateEpoch;
  const epochArg = buildArgs.get("SOURCE_DATE_EPOCH");
  if (epochArg === "") consumed.add("SOURCE_DATE_EPOCH");
  else if (epochArg !== undefined) {
    consumed.add("SOURCE_DATE_EPOCH");
    if (!/^\d+$/.test(epochArg)) {
      throw new ImageError(`Invalid SOURCE_DATE_EPOCH "${epochArg}": expected whole seconds`);
    }
    epoch = Number(epochArg);
  }

  const { globalArgs, globalEnv, stages, target, order, stageRef } = planStages(
    parsed.instructions,
    {
      file,
      escape,
      buildArgs,
      consumed,
      target: options.target,
    },
  );

  const cache = new BuildCache(store, options.builderDir);
  const layerCache = new LayerCache(store);
  const memoFile = join(
    options.builderDir ?? builderDirOf(store),
    "digests",
    `${sha256Digest(options.contextDir).slice(7, 39)}.json`,
  );
  const useMemo = options.digestMemo !== false;
  const memo = useMemo ? await loadDigestMemo(memoFile) : new Map();
  const context = await BuildContext.open(
    options.contextDir,
    (await loadIgnoreFile(options.contextDir, df.path)).matcher,
    memo,
  );
  let scratch: string | undefined;
  const scratchDir = async () => {
    scratch ??= await Deno.makeTempDir({ prefix: "berth-build-scratch-" });
    const d = await Deno.makeTempDir({ dir: scratch });
    return d;
  };
  const finished = new Map<number, StageState>();
  let stepNo = 0;
  let totalSteps = 0;
  let cachedSteps = 0;
  const multiStage = stages.length > 1;
  const trees = new Map<string, Promise<SourceTree>>();
  const treeOf = (layers: readonly ImageLayer[], label: string): Promise<SourceTree> => {
    const ids = layers.map((l) => l.diffId);
    const k = ids.join(",");
    let t = trees.get(k);
    if (!t) {
      t = ids.length === 0
        ? Promise.resolve(new EmptyTree(label))
        : ImageTree.open(layerCache, ids, label);
      trees.set(k, t);
    }
    return t;
  };
  const images = new Map<string, Promise<StoredImage>>();
  const findImage = (ref: string, line: number): Promise<StoredImage> => {
    let p = images.get(ref);
    if (!p) {
      p = store.resolve(ref).catch((e) => {
        if (e instanceof ImageError) {
          throw new BuildStepError(
            file,
            line,
            `Cannot find image "${ref}" in the local store: Berth builds offline, so it must be built ` +
              `or loaded first ("berth images" lists what is there)`,
          );
        }
        throw e;
      });
      images.set(ref, p);
    }
    return p;
  };

  try {
    for (const stage of order) {
      const label = multiStage ? stage.name ?? `stage-${stage.index}` : undefined;
      let stepsInStage = 1 + stage.body.filter((i) => LAYER_KINDS.has(i.kind)).length;
      let indexInStage = 0;
      const fail = (line: number) => (message: string): never => {
        throw new BuildStepError(file, line, message);
      };

      // FROM
      const fromUnmatched = new Set<string>();
      const fromText = expandOrFail(
        stage.from.image,
        globalEnv,
        escape,
        file,
        stage.from.line,
        fromUnmatched,
      );
      if (!skipChecks.has("all") && !skipChecks.has("undefinedarginfrom")) {
        for (const name of fromUnmatched) {
          if (!globalArgs.has(name)) {
            warn(
              `UndefinedArgInFrom: FROM argument '${name}' is not declared (line ${stage.from.line})`,
            );
          }
        }
      }
      indexInStage++;
      stepNo++;
      totalSteps++;
      const fromStep = stepNo;
      const started = performance.now();
      // The base and its ONBUILD triggers are resolved before the FROM step is shown, so
      // that the stage's step total counts the triggers; a failure is thrown after it.
      const body: Instruction[] = [];
      let state: StageState | undefined;
      let fromError: unknown;
      try {
        const baseStage = stageRef(fromText, stage.index);
        state = baseStage
          ? stateFromStage(finished.get(baseStage.index)!)
          : fromText.toLowerCase() === "scratch"
          ? stateFromScratch(stage.from.platform, epoch)
          : stateFromImage(await findImage(fromText, stage.from.line));
        const triggers = state.config.config?.OnBuild ?? [];
        if (state.config.config) delete state.config.config.OnBuild;
        for (const t of triggers) {
          try {
            body.push({
              ...parseTrigger(t, `ONBUILD trigger of ${fromText}`),
              line: stage.from.line,
              endLine: stage.from.line,
            });
          } catch (e) {
            if (e instanceof DockerfileError) {
              throw new BuildStepError(file, stage.from.line, e.message);
            }
            throw e;
          }
        }
        stepsInStage += body.filter((i) => LAYER_KINDS.has(i.kind)).length;
      } catch (e) {
        fromError = e;
      }
      emit({
        type: "step",
        step: fromStep,
        stage: label,
        index: 1,
        total: stepsInStage,
        text: `FROM ${fromText}`,
      });
      if (state === undefined) throw fromError;
      // Layers written with SOURCE_DATE_EPOCH differ from those without: keep them apart.
      state.key = chainKey(state.key, `epoch=${epoch ?? "none"}`);
      emit({ type: "done", step: fromStep, seconds: (performance.now() - started) / 1000 });

      const metaCtx: MetadataContext = {
        file,
        escape,
        buildArgs,
        globalArgs,
        consumed,
        onUndefined: undefinedVars,
      };
      body.push(...stage.body);

      for (const ins of body) {
        options.signal?.throwIfAborted();
        if (applyMetadata(state, ins, metaCtx)) continue;
        const stepFail = fail(ins.line);
        const env = expansionEnv(state);
        const cfg = state.config.config ?? {};
        const workdir = cfg.WorkingDir ?? "";
        indexInStage++;
        stepNo++;
        totalSteps++;
        const step = stepNo;
        const stepStart = performance.now();
        const stepTimeMs = epoch !== undefined ? epoch * 1000 : Date.now();
        let keyInput: string;
        let createdBy: string;
        let produce: () => Promise<LayerChange[] | undefined>;
        let text = ins.original.split("\n")[0]!;
        if (text.length > 200) text = text.slice(0, 197) + "...";
        emit({ type: "step", step, stage: label, index: indexInStage, total: stepsInStage, text });

        if (ins.kind === "workdir") {
          const unmatched = new Set<string>();
          const raw = expandOrFail(ins.value, env, escape, file, ins.line, unmatched);
          for (const n of [...unmatched]) if (state.args.has(n)) unmatched.delete(n);
          undefinedVars(unmatched, ins.line, env);
          const path = cleanInRoot(raw, workdir || "/");
          state.config = { ...state.config, config: { ...cfg, WorkingDir: path } };
          const layersNow = state.layers;
          // The parent's key fixes whether the directory exists: look only on a miss.
          keyInput = `WORKDIR ${path}`;
          createdBy = `WORKDIR ${path}`;
          produce = async () => {
            const tree = await treeOf(layersNow, "stage");
            const missing: string[] = [];
            for (let p = path; p !== "/"; p = p.slice(0, p.lastIndexOf("/")) || "/") {
              if (tree.lookup(p)?.type === "dir") break;
              missing.unshift(p);
            }
            return missing.length === 0 ? undefined : missing.map((p) => ({
              path: p,
              type: "dir" as const,
              mode: 0o755,
              uid: 0,
              gid: 0,
              mtimeMs: stepTimeMs,
              size: 0,
            }));
          };
        } else if (ins.kind === "copy" || ins.kind === "add") {
          const copy = ins as CopyInstruction;
          let source: SourceTree = context;
          let fromContext = true;
          let fromKey = "context";
          if (copy.from !== undefined) {
            const fromName = expandOrFail(copy.from, env, escape, file, ins.line);
            const dep = stageRef(fromName, stage.index);
            fromContext = false;
            if (dep) {
              const s = finished.get(dep.index);
              if (!s) throw new BuildStepError(file, ins.line, `stage "${fromName}" was not built`);
              source = await treeOf(s.layers, `stage ${fromName}`);
              fromKey = `stage ${s.key}`;
            } else {
              const img = await findImage(fromName, ins.line);
              source = await treeOf(
                img.manifest.layers.map((l, i) => ({
                  digest: l.digest as Digest,
                  size: l.size,
                  diffId: img.config.rootfs.diff_ids[i] as Digest,
                })),
                `image ${fromName}`,
              );
              fromKey = `image ${img.id}`;
            }
          }
          const layersNow = state.layers;
          const copyUnmatched = new Set<string>();
          const plan = await planCopy(copy, {
            source,
            fromContext,
            target: () => treeOf(layersNow, "stage"),
            env,
            escape,
            workdir,
            stepTimeMs,
            scratchDir,
            unmatched: copyUnmatched,
            fail: stepFail,
          });
          for (const n of [...copyUnmatched]) if (state.args.has(n)) copyUnmatched.delete(n);
          undefinedVars(copyUnmatched, ins.line, env);
          keyInput = `from=${fromKey}\n${plan.keyInput}`;
          createdBy = plan.createdBy;
          produce = async () => {
            const changes = await plan.changes();
            return changes.length > 0 ? changes : undefined;
          };
        } else if (ins.kind === "run") {
          const shell = cfg.Shell ?? DEFAULT_SHELL;
          const plan = planRun(ins, shell, cache.mountsDir, stepFail);
          for (const w of plan.warnings) {
            warnings.push(w);
            emit({ type: "warning", message: w });
          }
          keyInput = plan.keyInput;
          createdBy = plan.createdBy;
          produce = async () => {
            const runner = options.runner;
            if (!runner) {
              throw new BuildStepError(
                file,
                ins.line,
                "RUN needs a build container: run the build through the Berth daemon (berth build)",
              );
            }
            const runEnv = [...(cfg.Env ?? [])];
            const set = new Set(runEnv.map((kv) => kv.slice(0, kv.indexOf("="))));
            for (const [k, v] of state.args) {
              if (v !== undefined && !set.has(k)) runEnv.push(`${k}=${v}`);
            }
            for (const p of PROXY_ARGS) {
              const v = buildArgs.get(p);
              if (v !== undefined && !set.has(p) && !state.args.has(p)) runEnv.push(`${p}=${v}`);
            }
            return await executeRun(plan, {
              runner,
              layers: state.layers.map((l) => ({ digest: l.digest, diffId: l.diffId })),
              env: runEnv,
              user: cfg.User ?? "",
              workdir: workdir || "/",
              limits: options.limits,
              signal: options.signal,
              onOutput: (chunk) => emit({ type: "output", step, chunk }),
              where: `${file}:${ins.line}`,
            });
          };
        } else {
          throw new BuildStepError(file, ins.line, `unexpected ${ins.kind} instruction`);
        }

        const key = chainKey(state.key, keyInput);
        const hit = options.noCache ? undefined : await cache.get(key);
        let layer: ImageLayer | undefined;
        let created: string;
        if (hit) {
          cachedSteps++;
          emit({ type: "cached", step });
          layer = hit.layer;
          created = hit.created;
        } else {
          let changes: LayerChange[] | undefined;
          try {
            changes = await produce();
          } catch (e) {
            emit({ type: "error", step, message: (e as Error).message });
            throw e;
          }
          if (changes) {
            const ingested = await store.ingestLayer(writeLayerTar(changes, { epoch }), {
              compression: "none",
              name: `${file}:${ins.line}`,
            });
            layer = { digest: ingested.digest, size: ingested.size, diffId: ingested.diffId };
          }
          created = new Date(stepTimeMs).toISOString();
          await cache.put(key, { layer, created });
          emit({ type: "done", step, seconds: (performance.now() - stepStart) / 1000 });
        }
        const entry: { created: string; created_by: string; empty_layer?: boolean } = {
          created,
          created_by: createdBy,
        };
        if (!layer) entry.empty_layer = true;
        state.config = {
          ...state.config,
          rootfs: {
            type: "layers",
            diff_ids: [...state.config.rootfs.diff_ids, ...(layer ? [layer.diffId] : [])],
          },
          history: [...(state.config.history ?? []), entry],
        };
        if (layer) state.layers = [...state.layers, layer];
        state.key = key;
        state.created = created;
      }
      finished.set(stage.index, state);
    }

    const final = finished.get(target.index)!;
    const config: BuildImageConfig = { ...final.config, created: final.created };
    if (options.labels && Object.keys(options.labels).length > 0) {
      config.config = {
        ...config.config,
        Labels: { ...(config.config?.Labels ?? {}), ...options.labels },
      };
    }
    const unused = [...buildArgs.keys()].filter((k) => !consumed.has(k) && !PROXY_ARGS.includes(k));
    if (unused.length > 0) {
      const w = `One or more build-args [${unused.join(" ")}] were not consumed`;
      warnings.push(w);
      emit({ type: "warning", message: w });
    }
    const image = await existingImage(store, config, tags) ??
      await store.putImage(config, final.layers, tags);
    emit({ type: "result", id: image.id, tags: image.tags });
    return {
      id: image.id,
      manifestDigest: image.manifestDigest,
      tags: image.tags,
      image,
      warnings,
      steps: { total: totalSteps, cached: cachedSteps },
    };
  } finally {
    await layerCache.close();
    if (scratch) await Deno.remove(scratch, { recursive: true }).catch(() => {});
    if (useMemo && context.memoChanged) await saveDigestMemo(memoFile, memo).catch(() => {});
  }
}

/**
 * The stored image with exactly this config that already carries every tag, if any: an
 * unchanged rebuild then writes nothing (no index.json update, no fsync).
 */
async function existingImage(
  store: Store,
  config: BuildImageConfig,
  tags: string[],
): Promise<StoredImage | undefined> {
  const id = sha256Digest(JSON.stringify(config));
  if (!(await store.hasBlob(id))) return undefined;
  const want = tags.map((t) => formatReference(parseReference(t)));
  const images = await store.images();
  return images.find((i) => i.id === id && want.every((t) => i.tags.includes(t)));
}
