/**
 * The Docker Engine API's `POST /build`, minus the HTTP: the body is the context tar,
 * the query carries `t`, `dockerfile`, `buildargs`, `labels`, `nocache`, `target`, `q`,
 * `memory`, `cpuquota`/`cpuperiod`, and Berth's `reproducible` (SOURCE_DATE_EPOCH=0 unless
 * the build arg gives one); the answer is a stream of JSON messages
 * (`{"stream"}`, `{"aux":{"ID"}}`, `{"error"}`). The daemon routes the request here
 * and gives it a {@link StepRunner}; nothing else is needed.
 *
 * @module
 */
import { join } from "node:path";
import type { Store } from "../store/store.ts";
import { BuildCache, builderDirOf } from "./build_cache.ts";
import { buildErrorMessage, type BuildJsonMessage, JsonProgress } from "./build_progress.ts";
import { build, type BuildResult } from "./builder.ts";
import { extractContextTar } from "./context_tar.ts";
import type { StepRunner } from "./step_runner.ts";

/** One `POST /build` request. */
export interface EngineBuildRequest {
  /** The image store. */
  store: Store;
  /** The request's query parameters. */
  query: URLSearchParams;
  /** The request body: the context as a tar (gzip allowed). */
  body: ReadableStream<Uint8Array> | Uint8Array;
  /** Runs RUN steps in build containers. */
  runner?: StepRunner;
  /** Receives each JSON message, in order (write it as one line of the response). */
  write: (message: BuildJsonMessage) => void | Promise<void>;
  /** Builder state directory (default `<state root>/builder`). */
  builderDir?: string;
  /** Aborts the build (client went away). */
  signal?: AbortSignal;
}

function jsonObject(text: string | null, what: string): Record<string, string> {
  if (!text) return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new Error(`Invalid ${what} parameter: not JSON`);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new Error(`Invalid ${what} parameter: expected a JSON object`);
  }
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) if (typeof val === "string") out[k] = val;
  return out;
}

function truthy(v: string | null): boolean {
  return v !== null && v !== "" && v !== "0" && v.toLowerCase() !== "false";
}

/**
 * Serve one `POST /build`: extract the context to a temp dir, build, stream messages.
 * Errors are reported as an `{"error"}` message (the HTTP status stays 200, as Docker
 * does once the stream started) and the result is undefined.
 *
 * @param req The request.
 * @returns The build result, or undefined when the build failed.
 * @example
 * ```ts ignore
 * // in the daemon's router:
 * const result = await engineBuild({
 *   store, query: url.searchParams, body: request.body!, runner,
 *   write: (m) => response.write(JSON.stringify(m) + "\r\n"),
 * });
 * ```
 */
export async function engineBuild(req: EngineBuildRequest): Promise<BuildResult | undefined> {
  const q = req.query;
  const quiet = truthy(q.get("q"));
  const builderDir = req.builderDir ?? builderDirOf(req.store);
  const contexts = join(builderDir, "contexts");
  await Deno.mkdir(contexts, { recursive: true });
  const dir = await Deno.makeTempDir({ dir: contexts, prefix: "ctx-" });
  const progress = new JsonProgress();
  try {
    await extractContextTar(req.body, dir);
    // 0 (what docker's legacy client sends for every limit it was not given) is no limit.
    const positive = (v: string | null) => (Number(v) > 0 ? Number(v) : undefined);
    const memory = positive(q.get("memory"));
    const quota = positive(q.get("cpuquota"));
    const period = positive(q.get("cpuperiod")) ?? 100000;
    const result = await build({
      store: req.store,
      contextDir: dir,
      dockerfile: q.get("dockerfile") || undefined,
      tags: q.getAll("t"),
      target: q.get("target") || undefined,
      buildArgs: jsonObject(q.get("buildargs"), "buildargs"),
      labels: jsonObject(q.get("labels"), "labels"),
      noCache: truthy(q.get("nocache")),
      // `--reproducible` without SOURCE_DATE_EPOCH: timestamps at the epoch (0).
      sourceDateEpoch: truthy(q.get("reproducible")) ? 0 : undefined,
      runner: req.runner,
      builderDir,
      signal: req.signal,
      digestMemo: false, // the context is extracted afresh for every request
      limits: memory || quota
        ? { memoryBytes: memory, cpus: quota ? quota / period : undefined }
        : undefined,
      onEvent: (e) => {
        const messages: BuildJsonMessage[] = quiet
          // Quiet: only the ID, as a stream line (what docker's legacy client prints) and aux.
          ? (e.type === "result" ? [{ stream: `${e.id}\n` }, { aux: { ID: e.id } }] : [])
          : progress.format(e);
        for (const m of messages) Promise.resolve(req.write(m)).catch(() => {});
      },
    });
    return result;
  } catch (err) {
    await req.write(buildErrorMessage(err));
    return undefined;
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/**
 * Serve the Engine API's `POST /build/prune` (`berth builder prune`): drop cached build
 * steps (all, or with `filters={"until":["24h"]}` those older than that) and the cache
 * mounts, then collect the store's garbage.
 *
 * @param store The image store.
 * @param query The query (`filters` JSON with `until`; `all` accepted).
 * @param builderDir Builder state directory (default `<state root>/builder`).
 * @returns Docker's answer: `{ CachesDeleted, SpaceReclaimed }`.
 * @example
 * ```ts ignore
 * const body = await engineBuildPrune(store, url.searchParams);
 * ```
 */
export async function engineBuildPrune(
  store: Store,
  query: URLSearchParams,
  builderDir?: string,
): Promise<{ CachesDeleted: string[]; SpaceReclaimed: number }> {
  let until: Date | undefined;
  const filters = query.get("filters");
  if (filters) {
    const f = jsonFilters(filters);
    const u = f.until?.[0];
    if (u !== undefined) {
      const m = /^(\d+)(s|m|h)$/.exec(u);
      const ms = m ? Number(m[1]) * { s: 1e3, m: 6e4, h: 36e5 }[m[2] as "s" | "m" | "h"] : NaN;
      until = new Date(Number.isNaN(ms) ? Date.parse(u) : Date.now() - ms);
      if (Number.isNaN(until.getTime())) throw new Error(`Invalid until filter "${u}"`);
    }
  }
  const report = await new BuildCache(store, builderDir).prune({
    until,
    all: truthy(query.get("all")),
  });
  return { CachesDeleted: report.keys, SpaceReclaimed: report.bytesReclaimed };
}

function jsonFilters(text: string): Record<string, string[]> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new Error("Invalid filters parameter: not JSON");
  }
  const out: Record<string, string[]> = {};
  if (typeof v === "object" && v !== null) {
    for (const [k, val] of Object.entries(v)) {
      if (Array.isArray(val)) out[k] = val.filter((x): x is string => typeof x === "string");
      else if (typeof val === "object" && val !== null) out[k] = Object.keys(val);
    }
  }
  return out;
}
