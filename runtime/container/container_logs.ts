/**
 * Container logs in Docker's `json-file` shape: one JSON object per line,
 * `{"log":"text\n","stream":"stdout","time":"2026-11-25T20:00:00.123456789Z"}`, with
 * `max-size`/`max-file` rotation (`<id>-json.log`, `.1`, `.2`, …) and a reader for
 * `logs --since --until --tail -f`.
 *
 * @module
 */
import { openMakingDir } from "../kernel/open_making_dir.ts";

/** One log record. */
export interface LogRecord {
  /** The text, with its newline when the line was complete. */
  log: string;
  /** "stdout" or "stderr". */
  stream: "stdout" | "stderr";
  /** RFC 3339 time with nanoseconds. */
  time: string;
}

/** Rotation options (`--log-opt max-size=10m --log-opt max-file=3`). */
export interface LogOptions {
  /** Rotate when the current file reaches this many bytes (-1 = never). */
  maxSize: number;
  /** Files kept including the current one (>= 1). */
  maxFile: number;
}

/**
 * Parse `--log-opt` values as Docker's json-file driver does.
 *
 * @param config The `LogConfig.Config` map.
 * @returns Rotation options.
 * @throws {Error} On a bad size or count (the daemon answers 400).
 * @example
 * ```ts
 * import { parseLogOptions } from "./container_logs.ts";
 * console.assert(parseLogOptions({ "max-size": "1k", "max-file": "2" }).maxSize === 1024);
 * ```
 */
export function parseLogOptions(config: Record<string, string> = {}): LogOptions {
  let maxSize = -1;
  let maxFile = 1;
  for (const [k, v] of Object.entries(config)) {
    if (k === "max-size") {
      const m = /^(\d+(?:\.\d+)?)\s*([kmg]?)b?$/i.exec(v.trim());
      if (!m) throw new Error(`invalid max-size "${v}": use a size such as 10m`);
      const unit = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase()] ?? 1;
      maxSize = Math.floor(Number(m[1]) * unit);
    } else if (k === "max-file") {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) {
        throw new Error(`invalid max-file "${v}": use a count >= 1`);
      }
      maxFile = n;
    } else if (!["mode", "max-buffer-size", "compress", "labels", "env", "tag"].includes(k)) {
      throw new Error(`unknown log opt '${k}' for json-file log driver`);
    }
  }
  if (maxFile > 1 && maxSize < 0) maxFile = 1;
  return { maxSize, maxFile };
}

/**
 * RFC 3339 with nanoseconds, as Docker writes log times.
 *
 * @param ms Milliseconds since the epoch (fractions become sub-ms digits).
 * @returns e.g. "2026-11-25T20:00:00.123456789Z".
 * @example
 * ```ts
 * import { nanoTime } from "./container_logs.ts";
 * console.assert(nanoTime(0) === "1970-01-01T00:00:00.000000000Z");
 * ```
 */
export function nanoTime(ms: number): string {
  const whole = Math.floor(ms);
  const iso = new Date(whole).toISOString();
  const sub = Math.round((ms - whole) * 1e6);
  return `${iso.slice(0, 19)}.${iso.slice(20, 23)}${String(sub).padStart(6, "0")}Z`;
}

let lastStamp = 0;
/** A strictly increasing clock with sub-millisecond steps, so log order survives `--since`. */
function stamp(): number {
  const now = Date.now() + (performance.now() % 1);
  lastStamp = now > lastStamp ? now : lastStamp + 0.000001;
  return lastStamp;
}

/**
 * Appends a container's output to its json-file log, splitting on newlines and
 * rotating by size. Writes are synchronous appends (the log is the record of truth). The
 * file is created at the first record: a container that prints nothing holds no descriptor
 * (a thousand idle containers, a thousand fewer) and costs its start no file operations.
 *
 * @example
 * ```ts ignore
 * const w = new LogWriter("/root/containers/ID/ID-json.log", { maxSize: -1, maxFile: 1 });
 * w.write("stdout", new TextEncoder().encode("hello\n"));
 * w.close();
 * ```
 */
export class LogWriter {
  /** Opened at the first record: a container that prints nothing holds no descriptor. */
  #file: Deno.FsFile | undefined;
  #size = 0;
  #partial: Record<"stdout" | "stderr", string> = { stdout: "", stderr: "" };
  /** Made at a stream's first output (an idle container holds none). */
  #decoders: Partial<Record<"stdout" | "stderr", TextDecoder>> = {};
  #listeners: Set<(r: LogRecord) => void> | null = null;

  /**
   * Create it.
   *
   * @param path The current log file.
   * @param opts Rotation.
   */
  constructor(readonly path: string, readonly opts: LogOptions) {}

  /** The log file, opened (created) at the first record; undefined if the host refuses. */
  #open(): Deno.FsFile | undefined {
    if (this.#file || this.#closed) return this.#file;
    try {
      // The directory of an --rm container is made here, at its first record; close() comes
      // before the engine removes the directory, and nothing is written after it.
      this.#file = openMakingDir(this.path, { append: true, create: true, mode: 0o640 });
      this.#size = this.#file.statSync().size;
    } catch (err) {
      this.#hostError(err);
    }
    return this.#file;
  }

  /** Report a host error once (the records it costs are counted in {@link dropped}). */
  #hostError(err: unknown): void {
    if (this.#reported) return;
    this.#reported = true;
    console.error(`berth: cannot write the log ${this.path}: ${(err as Error).message}`);
  }

  #reported = false;
  #closed = false;

  /**
   * Watch records as they are written (for `logs -f` and attach).
   *
   * @param fn Called per record.
   * @returns Unsubscribe.
   */
  subscribe(fn: (r: LogRecord) => void): () => void {
    const set = this.#listeners ??= new Set();
    set.add(fn);
    return () => set.delete(fn);
  }

  /**
   * Log bytes of a stream.
   *
   * @param stream stdout or stderr.
   * @param data Output bytes.
   */
  write(stream: "stdout" | "stderr", data: Uint8Array): void {
    // Output after close (a process of a container being removed) is not logged: the file
    // would be made again in a directory on its way out.
    if (this.#closed) return;
    const decoder = this.#decoders[stream] ??= new TextDecoder();
    const text = this.#partial[stream] + decoder.decode(data, { stream: true });
    const lines = text.split("\n");
    this.#partial[stream] = lines.pop()!;
    // One timestamp and one write per chunk: a flood of short lines (`yes`) otherwise costs a
    // clock read, an encoder and a write(2) per line, and stalls the daemon for seconds.
    const time = lines.length > 0 ? nanoTime(stamp()) : "";
    for (const line of lines) this.#append({ log: line + "\n", stream, time });
    // Docker flushes long partial lines at 16 KiB.
    if (this.#partial[stream].length >= 16 * 1024) this.flush(stream);
    this.#writeBatch();
  }

  /**
   * Write out a partial line (at exit, or when it grows long).
   *
   * @param stream Which stream.
   */
  flush(stream: "stdout" | "stderr"): void {
    const rest = this.#partial[stream];
    if (rest === "") return;
    this.#partial[stream] = "";
    this.#append({ log: rest, stream, time: nanoTime(stamp()) });
    this.#writeBatch();
  }

  /** Records encoded but not yet written, and their size in bytes. */
  #batch: string[] = [];
  #batchBytes = 0;

  #append(r: LogRecord): void {
    this.#open(); // the size so far decides rotation
    const line = JSON.stringify(r) + "\n";
    // JSON.stringify escapes everything outside ASCII only when asked; count UTF-8 bytes.
    const size = utf8Length(line);
    const pending = this.#size + this.#batchBytes;
    if (this.opts.maxSize >= 0 && pending > 0 && pending + size > this.opts.maxSize) {
      this.#writeBatch();
      this.#rotate();
    }
    this.#batch.push(line);
    this.#batchBytes += size;
    if (this.#listeners) { for (const l of this.#listeners) l(r); }
  }

  #writeBatch(): void {
    if (this.#batch.length === 0) return;
    const bytes = ENCODER.encode(this.#batch.join(""));
    this.#batch = [];
    this.#batchBytes = 0;
    let off = 0;
    try {
      const file = this.#open();
      if (!file) throw new Error("not open");
      while (off < bytes.length) off += file.writeSync(bytes.subarray(off));
    } catch (err) {
      // A full or failing host disk loses log lines, as Docker's json-file driver does; it
      // must not stop the container's output (attach readers still get every record).
      this.dropped += bytes.length - off;
      this.#hostError(err);
    }
    this.#size += off;
  }

  /** Bytes of log records lost to host write errors (e.g. a full disk). */
  dropped = 0;

  #rotate(): void {
    this.#file?.close();
    this.#file = undefined;
    try {
      if (this.opts.maxFile <= 1) {
        Deno.truncateSync(this.path);
      } else {
        try {
          Deno.removeSync(`${this.path}.${this.opts.maxFile - 1}`);
        } catch { /* absent */ }
        for (let n = this.opts.maxFile - 2; n >= 1; n--) {
          try {
            Deno.renameSync(`${this.path}.${n}`, `${this.path}.${n + 1}`);
          } catch { /* absent */ }
        }
        Deno.renameSync(this.path, `${this.path}.1`);
      }
    } catch (err) {
      this.#hostError(err);
    }
    this.#open();
    this.#size = 0;
  }

  /** Flush partial lines and close the file. */
  close(): void {
    this.flush("stdout");
    this.flush("stderr");
    this.#closed = true;
    try {
      this.#file?.close();
    } catch { /* closed */ }
    this.#file = undefined;
  }
}

/** Selection of `logs`. */
export interface LogQuery {
  /** Only records at or after this time (ms). */
  sinceMs?: number;
  /** Only records before this time (ms). */
  untilMs?: number;
  /** Only the last N records (undefined = all). */
  tail?: number;
  /** Streams wanted. */
  stdout?: boolean;
  /** Streams wanted. */
  stderr?: boolean;
}

/**
 * Read the records of a log (rotated files oldest first) that match a query.
 *
 * @param path The current log file.
 * @param maxFile How many files rotation keeps.
 * @param q The selection.
 * @returns Matching records in order.
 * @example
 * ```ts ignore
 * const records = await readLogs(path, 3, { tail: 10 });
 * ```
 */
export async function readLogs(
  path: string,
  maxFile: number,
  q: LogQuery = {},
): Promise<LogRecord[]> {
  const files: string[] = [];
  for (let n = Math.max(1, maxFile) - 1; n >= 1; n--) files.push(`${path}.${n}`);
  files.push(path);
  const out: LogRecord[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = await Deno.readTextFile(f);
    } catch {
      continue;
    }
    for (const line of text.split("\n")) {
      if (line === "") continue;
      let r: LogRecord;
      try {
        r = JSON.parse(line) as LogRecord;
      } catch {
        continue; // a torn last line after a crash
      }
      if (matchesQuery(r, q)) out.push(r);
    }
  }
  return q.tail !== undefined && q.tail >= 0 ? out.slice(Math.max(0, out.length - q.tail)) : out;
}

/**
 * Whether a record passes a query's stream and time filters.
 *
 * @param r The record.
 * @param q The query.
 * @returns True when it should be shown.
 * @example
 * ```ts
 * import { matchesQuery } from "./container_logs.ts";
 * console.assert(!matchesQuery({ log: "x", stream: "stderr", time: "1970-01-01T00:00:00Z" }, { stderr: false }));
 * ```
 */
export function matchesQuery(r: LogRecord, q: LogQuery): boolean {
  if (r.stream === "stdout" && q.stdout === false) return false;
  if (r.stream === "stderr" && q.stderr === false) return false;
  if (q.sinceMs !== undefined || q.untilMs !== undefined) {
    const t = parseNanoTime(r.time);
    if (q.sinceMs !== undefined && t < q.sinceMs) return false;
    if (q.untilMs !== undefined && t >= q.untilMs) return false;
  }
  return true;
}

/**
 * Parse an RFC 3339 time with nanoseconds to fractional milliseconds.
 *
 * @param time The time text.
 * @returns Milliseconds since the epoch.
 * @example
 * ```ts
 * import { parseNanoTime } from "./container_logs.ts";
 * console.assert(parseNanoTime("1970-01-01T00:00:00.000500000Z") === 0.5);
 * ```
 */
export function parseNanoTime(time: string): number {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(time);
  if (!m) return Date.parse(time);
  const base = Date.parse(`${m[1]}Z`);
  const frac = m[2] ? Number(`0.${m[2]}`) * 1000 : 0;
  return base + frac;
}

const ENCODER = new TextEncoder();

/** Bytes of `text` in UTF-8, without encoding it. */
function utf8Length(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 2; // a surrogate pair: 4 bytes for 2 code units
      i++;
    } else n += 2;
  }
  return n;
}
