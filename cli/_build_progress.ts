/**
 * `berth build --progress`: the modes BuildKit accepts (`auto`, `plain`, `tty`, `quiet`,
 * `rawjson`) and the client-side displays. The daemon streams BuildKit's plain lines
 * (`#3 [2/5] RUN …`, `#3 0.215 output`, `#3 CACHED`, `#3 DONE 0.3s`); `plain` prints them
 * as they come, `tty` redraws them as BuildKit's compact console display (`[+] Building
 * 1.2s (4/4) FINISHED`, one ` => ` line per step, the running step's last output lines),
 * and `rawjson` prints each change as one JSON `SolveStatus` line (BuildKit's shape:
 * `vertexes`, `logs`; a vertex digest is the step's id in this build, not an LLB digest).
 *
 * `tty` always draws with cursor movements, also when stdout is not a terminal (as
 * BuildKit's forced `tty`); `auto` is `tty` on a terminal and `plain` otherwise, and
 * `BUILDKIT_PROGRESS` replaces `auto` as it does for buildx.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { UsageError } from "./_args.ts";

/** The progress modes, as BuildKit names them. */
export const PROGRESS_MODES = ["auto", "plain", "tty", "quiet", "rawjson"] as const;

/** One progress mode. */
export type ProgressMode = typeof PROGRESS_MODES[number];

/**
 * Validate `--progress` (and `BUILDKIT_PROGRESS` in place of `auto`), and resolve `auto`.
 *
 * @param value The flag's value (undefined: `auto`).
 * @param env `BUILDKIT_PROGRESS`, if set.
 * @param terminal Whether stdout is a terminal (decides `auto`).
 * @returns The mode to use; never `auto`.
 * @throws {UsageError} For a mode BuildKit does not know (exit 125).
 * @example
 * ```ts
 * import { resolveProgressMode } from "./_build_progress.ts";
 * console.assert(resolveProgressMode(undefined, undefined, false) === "plain");
 * console.assert(resolveProgressMode("auto", "rawjson", true) === "rawjson");
 * ```
 */
export function resolveProgressMode(
  value: string | undefined,
  env: string | undefined,
  terminal: boolean,
): Exclude<ProgressMode, "auto"> {
  let mode = value ?? "auto";
  if (mode === "auto" && env) mode = env;
  if (!(PROGRESS_MODES as readonly string[]).includes(mode)) {
    throw new UsageError(
      `invalid progress mode ${mode}: use auto, plain, tty, quiet or rawjson`,
    );
  }
  if (mode === "auto") return terminal ? "tty" : "plain";
  return mode as Exclude<ProgressMode, "auto">;
}

/** One step (BuildKit's vertex) as the display knows it. */
interface Step {
  id: number;
  name: string;
  /** Client clock (ms) when the step was first seen. */
  started: number;
  /** Seconds the daemon reported, once complete. */
  seconds?: number;
  cached: boolean;
  error?: string;
  /** Output lines. */
  logs: string[];
  /** Sub-jobs (`writing image … done`). */
  statuses: string[];
}

/** A progress display fed with the daemon's plain lines. */
export interface ProgressDisplay {
  /**
   * Take some of the daemon's text (any chunking; lines end in `\n`).
   *
   * @param text The text.
   */
  write(text: string): void;
  /**
   * The build ended: draw the last frame and stop any timer.
   *
   * @returns When everything is written.
   */
  close(): Promise<void>;
}

/**
 * Make the display for a mode (`quiet` prints nothing: the caller prints the ID).
 *
 * @param mode The resolved mode.
 * @param sink Writes text to stdout (calls are made in order, one at a time).
 * @param options `width`/`height` of the terminal, `color`, and the clock (tests).
 * @returns The display.
 * @example
 * ```ts
 * import { makeProgressDisplay } from "./_build_progress.ts";
 * let out = "";
 * const d = makeProgressDisplay("plain", (t) => { out += t; });
 * d.write("#1 [1/1] FROM berth/base\n");
 * await d.close();
 * console.assert(out === "#1 [1/1] FROM berth/base\n");
 * ```
 */
export function makeProgressDisplay(
  mode: Exclude<ProgressMode, "auto">,
  sink: (text: string) => void | Promise<void>,
  options: { width?: number; height?: number; color?: boolean; now?: () => number } = {},
): ProgressDisplay {
  if (mode === "quiet") return { write() {}, close: () => Promise.resolve() };
  if (mode === "plain") {
    let chain = Promise.resolve();
    return {
      write(text) {
        chain = chain.then(() => sink(text));
      },
      close: () => chain,
    };
  }
  return mode === "tty" ? new TtyDisplay(sink, options) : new RawJsonDisplay(sink, options.now);
}

const HEADER = /^#(\d+) (.*)$/s;
const LOG = /^(\d+\.\d+) (.*)$/s;

/** Parses the daemon's plain lines into steps; the displays draw from it. */
class Trace {
  readonly steps = new Map<number, Step>();
  readonly order: Step[] = [];
  /** Lines that belong to no step (warnings, messages), in order. */
  readonly notes: string[] = [];
  #pending = "";
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  /** Feed text; returns the steps changed and any new note lines. */
  feed(text: string, onLine: (step: Step | undefined, change: Change) => void): void {
    this.#pending += text;
    let nl: number;
    while ((nl = this.#pending.indexOf("\n")) >= 0) {
      const line = this.#pending.slice(0, nl);
      this.#pending = this.#pending.slice(nl + 1);
      this.#line(line, onLine);
    }
  }

  #line(line: string, onLine: (step: Step | undefined, change: Change) => void): void {
    const m = HEADER.exec(line);
    if (!m) {
      if (line.trim() === "") return;
      this.notes.push(line);
      onLine(undefined, { kind: "note", text: line });
      return;
    }
    const id = Number(m[1]);
    const rest = m[2]!;
    let step = this.steps.get(id);
    if (!step) {
      // The first line of a step is its name.
      step = { id, name: rest, started: this.#now(), cached: false, logs: [], statuses: [] };
      this.steps.set(id, step);
      this.order.push(step);
      onLine(step, { kind: "start" });
      return;
    }
    const done = /^DONE (\d+(?:\.\d+)?)s$/.exec(rest);
    if (done) {
      step.seconds = Number(done[1]);
      onLine(step, { kind: "done" });
    } else if (rest === "CACHED") {
      step.cached = true;
      step.seconds = 0;
      onLine(step, { kind: "done" });
    } else if (rest.startsWith("ERROR: ")) {
      step.error = rest.slice(7);
      step.seconds = (this.#now() - step.started) / 1000;
      onLine(step, { kind: "done" });
    } else if (/ done$/.test(rest) && /^(writing image|naming to) /.test(rest)) {
      step.statuses.push(rest.slice(0, -5));
      onLine(step, { kind: "status", text: rest.slice(0, -5) });
    } else {
      const log = LOG.exec(rest);
      const text = log ? log[2]! : rest;
      step.logs.push(text);
      onLine(step, { kind: "log", text });
    }
  }
}

type Change =
  | { kind: "start" }
  | { kind: "done" }
  | { kind: "log"; text: string }
  | { kind: "status"; text: string }
  | { kind: "note"; text: string };

const ESC = "\x1b[";

/** BuildKit's console display: a frame redrawn in place (cursor up, rewrite, clear). */
class TtyDisplay implements ProgressDisplay {
  readonly #trace: Trace;
  readonly #sink: (text: string) => void | Promise<void>;
  readonly #width: number;
  readonly #height: number;
  readonly #color: boolean;
  readonly #now: () => number;
  readonly #start: number;
  #lines = 0;
  #chain: Promise<void> = Promise.resolve();
  #timer: ReturnType<typeof setInterval> | undefined;
  #dirty = false;

  constructor(
    sink: (text: string) => void | Promise<void>,
    options: { width?: number; height?: number; color?: boolean; now?: () => number },
  ) {
    this.#sink = sink;
    this.#now = options.now ?? (() => performance.now());
    this.#trace = new Trace(this.#now);
    this.#width = Math.max(options.width ?? 80, 40);
    this.#height = Math.max(options.height ?? 24, 6);
    this.#color = options.color ?? false;
    this.#start = this.#now();
    // Running steps' timers move even when nothing arrives (BuildKit ticks every 100 ms).
    this.#timer = setInterval(() => this.#draw(false), 100);
  }

  write(text: string): void {
    this.#trace.feed(text, () => {
      this.#dirty = true;
    });
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#dirty = true;
    this.#draw(true);
    const failed = this.#trace.order.filter((s) => s.error !== undefined);
    let tail = "";
    for (const s of failed) {
      tail += `------\n > ${s.name}:\n${s.logs.map((l) => `${l}\n`).join("")}------\n`;
    }
    for (const n of this.#trace.notes) tail += `${n}\n`;
    if (tail) this.#emit(tail);
    await this.#chain;
  }

  #emit(text: string): void {
    this.#chain = this.#chain.then(() => this.#sink(text)).catch(() => {});
  }

  #draw(final: boolean): void {
    if (
      !this.#dirty && final === false && !this.#trace.order.some((s) => s.seconds === undefined)
    ) {
      return;
    }
    this.#dirty = false;
    const rows = this.#frame(final);
    // Up to the first line of the last frame, then rewrite each line and clear its rest.
    let text = this.#lines > 0 ? `${ESC}${this.#lines}A\r` : "";
    text += `${ESC}?25l`;
    for (const r of rows) text += `${r}${ESC}K\n`;
    // A shorter frame than the last one: clear what is left below it.
    if (rows.length < this.#lines) text += `${ESC}J`;
    text += `${ESC}?25h`;
    this.#lines = rows.length;
    this.#emit(text);
  }

  #frame(final: boolean): string[] {
    const steps = this.#trace.order;
    const complete = steps.filter((s) => s.seconds !== undefined).length;
    const finished = final && steps.length > 0 && complete === steps.length &&
      steps.every((s) => s.error === undefined);
    const elapsed = ((this.#now() - this.#start) / 1000).toFixed(1);
    const head = `[+] Building ${elapsed}s (${complete}/${steps.length})${
      finished ? " FINISHED" : ""
    }`;
    const jobs: { text: string; time: string; state: "done" | "error" | "running" | "log" }[] = [];
    for (const s of steps) {
      const secs = s.seconds ?? (this.#now() - s.started) / 1000;
      const state = s.error !== undefined ? "error" : s.seconds !== undefined ? "done" : "running";
      const name = `${s.error !== undefined ? "ERROR " : ""}${s.cached ? "CACHED " : ""}${s.name}`;
      jobs.push({ text: name, time: `${(secs < 0.05 ? 0 : secs).toFixed(1)}s`, state });
      for (const st of s.statuses) jobs.push({ text: `=> ${st}`, time: "0.0s", state });
      if (state === "running") {
        // The running step's last output lines, as BuildKit shows them under it.
        for (const l of s.logs.slice(-6)) jobs.push({ text: `=> # ${l}`, time: "", state: "log" });
      }
    }
    const shown = final ? jobs : jobs.slice(-(this.#height - 2));
    return [
      this.#fit(head, ""),
      ...shown.map((j) => this.#paint(this.#fit(` => ${j.text}`, j.time), j.state)),
    ];
  }

  #fit(text: string, right: string): string {
    // Control characters (tabs, `\r`, escapes from a RUN's output) would break the frame's
    // geometry: each becomes a space, as BuildKit does with tabs.
    const left = Array.from(text, (c) => (c.charCodeAt(0) < 32 || c === "\x7f" ? " " : c)).join("");
    const room = this.#width - right.length - 1;
    const l = left.length > room ? left.slice(0, room) : left.padEnd(room);
    return right ? `${l} ${right}` : l.trimEnd();
  }

  #paint(text: string, state: "done" | "error" | "running" | "log"): string {
    if (!this.#color) return text;
    const code = state === "done" ? "34" : state === "error" ? "31" : state === "log" ? "90" : "";
    return code ? `${ESC}${code}m${text}${ESC}0m` : text;
  }
}

/** BuildKit's `rawjson`: one `SolveStatus` JSON object per change. */
class RawJsonDisplay implements ProgressDisplay {
  readonly #trace: Trace;
  readonly #sink: (text: string) => void | Promise<void>;
  readonly #wall = () => new Date().toISOString();
  readonly #startedAt = new Map<number, string>();
  #chain: Promise<void> = Promise.resolve();

  constructor(sink: (text: string) => void | Promise<void>, now?: () => number) {
    this.#sink = sink;
    this.#trace = new Trace(now ?? (() => performance.now()));
  }

  write(text: string): void {
    this.#trace.feed(text, (step, change) => {
      const status = this.#status(step, change);
      if (status) {
        const line = `${JSON.stringify(status)}\n`;
        this.#chain = this.#chain.then(() => this.#sink(line)).catch(() => {});
      }
    });
  }

  close(): Promise<void> {
    return this.#chain;
  }

  #status(step: Step | undefined, change: Change): Record<string, unknown> | undefined {
    if (!step) {
      if (change.kind !== "note") return undefined;
      const m = /^WARNING: (.*)$/.exec(change.text);
      return m ? { warnings: [{ level: 1, short: btoa(utf8(m[1]!)) }] } : undefined;
    }
    const digest = `sha256:${createHash("sha256").update(`berth-step-${step.id}`).digest("hex")}`;
    const now = this.#wall();
    if (change.kind === "start") this.#startedAt.set(step.id, now);
    const vertex: Record<string, unknown> = {
      digest,
      name: step.name,
      started: this.#startedAt.get(step.id) ?? now,
    };
    if (change.kind === "done") {
      vertex.completed = now;
      if (step.cached) vertex.cached = true;
      if (step.error !== undefined) vertex.error = step.error;
    }
    if (change.kind === "log") {
      return {
        logs: [{ vertex: digest, stream: 1, data: btoa(utf8(`${change.text}\n`)), timestamp: now }],
      };
    }
    if (change.kind === "status") {
      return {
        statuses: [{
          id: change.text,
          vertex: digest,
          timestamp: now,
          started: now,
          completed: now,
        }],
      };
    }
    return { vertexes: [vertex] };
  }
}

function utf8(text: string): string {
  return Array.from(new TextEncoder().encode(text), (b) => String.fromCharCode(b)).join("");
}
