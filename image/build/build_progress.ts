/**
 * Build progress as events, and a formatter that prints them the way BuildKit's
 * `--progress=plain` does (`#3 [2/5] RUN …`, `#3 0.215 output`, `#3 CACHED`,
 * `#3 DONE 0.3s`).
 *
 * @module
 */

/** What the builder reports while it works. */
export type BuildEvent =
  | {
    type: "step";
    /** Sequence number of the step in this build (1-based, BuildKit's `#n`). */
    step: number;
    /** Stage label in multi-stage builds ("builder"), else undefined. */
    stage?: string;
    /** Position in the stage (1-based). */
    index: number;
    /** Steps in the stage. */
    total: number;
    /** The instruction ("RUN make"). */
    text: string;
  }
  | { type: "cached"; step: number }
  | { type: "output"; step: number; chunk: Uint8Array }
  | { type: "done"; step: number; seconds: number }
  | { type: "error"; step: number; message: string }
  | { type: "warning"; message: string }
  | { type: "result"; id: string; tags: string[] };

/**
 * Formats events as BuildKit's plain progress lines.
 *
 * @example
 * ```ts
 * import { PlainProgress } from "./build_progress.ts";
 * const p = new PlainProgress();
 * const line = p.format({ type: "step", step: 2, index: 2, total: 3, text: "COPY a /a" });
 * console.assert(line === "#2 [2/3] COPY a /a\n");
 * ```
 */
export class PlainProgress {
  readonly #started = new Map<number, number>();
  readonly #partial = new Map<number, string>();
  readonly #decoder = new TextDecoder();
  readonly #now: () => number;
  #lastStep = 0;

  /**
   * Make a formatter.
   *
   * @param now Clock in ms (injectable for tests).
   */
  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /**
   * Format one event (may be "" when nothing is printed yet, e.g. a partial line).
   *
   * @param e The event.
   * @returns Text to print (ends in a newline when non-empty).
   */
  format(e: BuildEvent): string {
    switch (e.type) {
      case "step": {
        this.#started.set(e.step, this.#now());
        this.#lastStep = Math.max(this.#lastStep, e.step);
        const where = e.stage ? `${e.stage} ${e.index}/${e.total}` : `${e.index}/${e.total}`;
        return `#${e.step} [${where}] ${e.text}\n`;
      }
      case "cached":
        return `#${e.step} CACHED\n`;
      case "output": {
        const text = (this.#partial.get(e.step) ?? "") +
          this.#decoder.decode(e.chunk, { stream: true });
        const lines = text.split("\n");
        this.#partial.set(e.step, lines.pop() ?? "");
        const t = ((this.#now() - (this.#started.get(e.step) ?? this.#now())) / 1000).toFixed(3);
        return lines.map((l) => `#${e.step} ${t} ${l}\n`).join("");
      }
      case "done": {
        const rest = this.#partial.get(e.step);
        this.#partial.delete(e.step);
        const flushed = rest ? `#${e.step} ${rest}\n` : "";
        return `${flushed}#${e.step} DONE ${e.seconds.toFixed(1)}s\n`;
      }
      case "error":
        return `#${e.step} ERROR: ${e.message}\n`;
      case "warning":
        return `WARNING: ${e.message}\n`;
      case "result": {
        const n = this.#lastStep + 1;
        return `#${n} exporting to image\n#${n} writing image ${e.id} done\n${
          e.tags.map((t) => `#${n} naming to ${t} done\n`).join("")
        }#${n} DONE 0.0s\n`;
      }
    }
  }
}

/** One line of Docker's `POST /build` JSON stream. */
export type BuildJsonMessage =
  | { stream: string }
  | { aux: { ID: string } }
  | { error: string; errorDetail: { message: string } };

/**
 * Turns build events into Docker's `POST /build` JSON messages: progress text as
 * `{"stream"}` (BuildKit plain lines), the result as `{"aux":{"ID"}}`, and a failure
 * (see {@link buildErrorMessage}) as `{"error"}`.
 *
 * @example
 * ```ts
 * import { JsonProgress } from "./build_progress.ts";
 * const j = new JsonProgress();
 * const msgs = j.format({ type: "result", id: "sha256:ab", tags: [] });
 * console.assert(JSON.stringify(msgs.at(-1)) === '{"aux":{"ID":"sha256:ab"}}');
 * ```
 */
export class JsonProgress {
  readonly #plain: PlainProgress;

  /**
   * Make a formatter.
   *
   * @param now Clock in ms (injectable for tests).
   */
  constructor(now?: () => number) {
    this.#plain = new PlainProgress(now);
  }

  /**
   * The messages for one event.
   *
   * @param e The event.
   * @returns Zero or more messages.
   */
  format(e: BuildEvent): BuildJsonMessage[] {
    const text = this.#plain.format(e);
    const out: BuildJsonMessage[] = text ? [{ stream: text }] : [];
    if (e.type === "result") out.push({ aux: { ID: e.id } });
    return out;
  }
}

/**
 * Docker's error message for a failed build.
 *
 * @param err What `build()` threw.
 * @returns The `{"error"}` message.
 * @example
 * ```ts
 * import { buildErrorMessage } from "./build_progress.ts";
 * console.assert(buildErrorMessage(new Error("boom")).error === "boom");
 * ```
 */
export function buildErrorMessage(
  err: unknown,
): { error: string; errorDetail: { message: string } } {
  const message = err instanceof Error ? err.message : String(err);
  return { error: message, errorDetail: { message } };
}
