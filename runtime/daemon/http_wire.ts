/**
 * HTTP/1.1 on a raw byte stream: a buffered reader for request/response heads and
 * bodies (Content-Length and chunked), shared by the daemon's server and the CLI's
 * client. Berth speaks HTTP itself (rather than through `Deno.serve`) because the
 * Docker API hijacks connections (`Upgrade: tcp`) for attach and exec.
 *
 * @module
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The largest request or response head accepted (bytes). */
export const MAX_HEAD_BYTES = 64 * 1024;

/** A byte source, as `Deno.Conn` is. */
export interface ByteReader {
  /** Read into `p`; resolves the count, or null at end of stream. */
  read(p: Uint8Array): Promise<number | null>;
}

/** A byte sink, as `Deno.Conn` is. */
export interface ByteWriter {
  /** Write some of `p`; resolves the count written. */
  write(p: Uint8Array): Promise<number>;
}

/** Thrown when the peer sends something that is not HTTP/1.1 as Berth understands it. */
export class HttpProtocolError extends Error {
  /**
   * Create it.
   *
   * @param message What was wrong.
   * @param status The HTTP status to answer with (400, 413, 431).
   */
  constructor(message: string, readonly status = 400) {
    super(message);
    this.name = "HttpProtocolError";
  }
}

/**
 * A buffered reader over a connection: lines, exact byte counts and what is left.
 *
 * @example
 * ```ts ignore
 * const r = new BufferedReader(conn);
 * const head = await r.readHead();
 * ```
 */
export class BufferedReader {
  #src: ByteReader;
  #buf: Uint8Array = new Uint8Array(0);
  #eof = false;

  /**
   * Create it.
   *
   * @param src The underlying stream.
   */
  constructor(src: ByteReader) {
    this.#src = src;
  }

  /** Bytes buffered but not consumed. */
  get buffered(): number {
    return this.#buf.length;
  }

  /**
   * The read buffer, reused (what a read brings is copied out): 4 KiB at first, doubled up
   * to 64 KiB while reads fill it. A fresh zeroed 64 KiB per read was a few thousand
   * cache lines written per request, which a daemon woken from idle pays in misses.
   */
  #chunk: Uint8Array | undefined;

  async #fill(): Promise<boolean> {
    if (this.#eof) return false;
    const chunk = this.#chunk ??= new Uint8Array(4096);
    const n = await this.#src.read(chunk);
    if (n === chunk.length && n < 64 * 1024) this.#chunk = new Uint8Array(n * 2);
    if (n === null || n === 0) {
      if (n === null) this.#eof = true;
      return n !== null;
    }
    const merged = new Uint8Array(this.#buf.length + n);
    merged.set(this.#buf);
    merged.set(chunk.subarray(0, n), this.#buf.length);
    this.#buf = merged;
    return true;
  }

  /**
   * Read up to and including CRLF CRLF: a message head, or null at a clean end.
   *
   * @returns The head text without the final blank line, or null if the stream ended first.
   */
  async readHead(): Promise<string | null> {
    let searchFrom = 0;
    while (true) {
      const at = indexOfCrlfCrlf(this.#buf, searchFrom);
      if (at >= 0) {
        const head = decoder.decode(this.#buf.subarray(0, at));
        this.#buf = this.#buf.subarray(at + 4);
        return head;
      }
      if (this.#buf.length > MAX_HEAD_BYTES) {
        throw new HttpProtocolError("Request header fields too large", 431);
      }
      searchFrom = Math.max(0, this.#buf.length - 3);
      if (!(await this.#fill())) {
        if (this.#buf.length === 0) return null;
        throw new HttpProtocolError("Connection closed in the middle of a message head");
      }
    }
  }

  /** Read one CRLF-terminated line (for chunk sizes). */
  async readLine(): Promise<string> {
    while (true) {
      for (let i = 0; i + 1 < this.#buf.length; i++) {
        if (this.#buf[i] === 13 && this.#buf[i + 1] === 10) {
          const line = decoder.decode(this.#buf.subarray(0, i));
          this.#buf = this.#buf.subarray(i + 2);
          return line;
        }
      }
      if (this.#buf.length > 4096) throw new HttpProtocolError("Chunk line too long");
      if (!(await this.#fill())) throw new HttpProtocolError("Connection closed in a chunk line");
    }
  }

  /**
   * Read exactly `n` bytes.
   *
   * @param n Byte count.
   * @returns The bytes.
   */
  async readExact(n: number): Promise<Uint8Array> {
    while (this.#buf.length < n) {
      if (!(await this.#fill())) throw new HttpProtocolError("Connection closed in a body");
    }
    const out = this.#buf.slice(0, n);
    this.#buf = this.#buf.subarray(n);
    return out;
  }

  /**
   * Read whatever is available (buffered first): null at end of stream.
   *
   * @returns Some bytes, or null at the end.
   */
  async readSome(): Promise<Uint8Array | null> {
    if (this.#buf.length === 0 && !(await this.#fill())) return null;
    const out = this.#buf;
    this.#buf = new Uint8Array(0);
    return out;
  }

  /**
   * Iterate the chunks of a chunked body, consuming the trailer.
   *
   * @returns An async iterator of non-empty chunks.
   */
  async *chunks(): AsyncGenerator<Uint8Array> {
    while (true) {
      const line = await this.readLine();
      const size = parseInt(line.split(";")[0]!.trim(), 16);
      if (!Number.isFinite(size) || size < 0) throw new HttpProtocolError("Bad chunk size");
      if (size === 0) {
        while ((await this.readLine()) !== "");
        return;
      }
      yield await this.readExact(size);
      await this.readExact(2);
    }
  }

  /**
   * Iterate a body of `n` bytes, or until end of stream when n is undefined.
   *
   * @param n Bytes to read, or undefined for "until close".
   * @returns An async iterator of pieces.
   */
  async *bytes(n?: number): AsyncGenerator<Uint8Array> {
    let left = n ?? Infinity;
    while (left > 0) {
      const some = await this.readSome();
      if (some === null) {
        if (n !== undefined) throw new HttpProtocolError("Connection closed in a body");
        return;
      }
      if (some.length > left) {
        this.#buf = some.subarray(left);
        yield some.subarray(0, left);
        return;
      }
      left -= some.length;
      yield some;
    }
  }
}

/**
 * Where a message head ends: the index of the CR LF CR LF of its blank line, or -1.
 *
 * @param buf The bytes read so far.
 * @param from Where to start looking.
 * @returns The index, or -1.
 * @example
 * ```ts
 * import { indexOfCrlfCrlf } from "./http_wire.ts";
 * console.assert(indexOfCrlfCrlf(new TextEncoder().encode("a\r\n\r\nb"), 0) === 1);
 * ```
 */
export function indexOfCrlfCrlf(buf: Uint8Array, from: number): number {
  for (let i = from; i + 3 < buf.length; i++) {
    if (buf[i] === 13 && buf[i + 1] === 10 && buf[i + 2] === 13 && buf[i + 3] === 10) return i;
  }
  return -1;
}

/**
 * Concatenate byte arrays.
 *
 * @param parts Pieces in order.
 * @returns One array.
 * @example
 * ```ts
 * import { concatBytes } from "./http_wire.ts";
 * console.assert(concatBytes([new Uint8Array([1]), new Uint8Array([2])]).length === 2);
 * ```
 */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** An HTTP token (a header field's name). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** What a field value may not hold: controls other than tab, and what is not a byte. */
const FIELD_VALUE_BAD = /[^\t\x20-\x7e\x80-\xff]/;

/**
 * Parse a response head (status line and header lines, without the blank line).
 *
 * @param head The head's text.
 * @returns The status and the fields (see {@link headerFields}).
 * @throws {HttpProtocolError} For a malformed status line or header line.
 * @example
 * ```ts
 * import { parseResponseHead } from "./http_wire.ts";
 * console.assert(parseResponseHead("HTTP/1.1 404 Not Found\r\nA: 1").status === 404);
 * ```
 */
export function parseResponseHead(head: string): { status: number; fields: Map<string, string> } {
  const lines = head.split("\r\n");
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? "");
  if (!m) throw new HttpProtocolError(`Malformed response line: ${lines[0]}`);
  return { status: Number(m[1]), fields: headerFields(lines.slice(1)) };
}

/**
 * Parse header lines ("Name: value") into a map of lower-cased names to values (repeated
 * fields joined with ", ", as `Headers` does). A plain map: the first `Headers` object of
 * a process loads Deno's fetch code, and the daemon only reads a few framing fields.
 *
 * @param lines Lines after the start line.
 * @returns The fields.
 * @throws {HttpProtocolError} For a line without a name, a name that is not a token, or a
 *   value with a control character or a character beyond U+00FF.
 * @example
 * ```ts
 * import { headerFields } from "./http_wire.ts";
 * console.assert(headerFields(["Host: x", "A: 1", "a: 2"]).get("a") === "1, 2");
 * ```
 */
export function headerFields(lines: readonly string[]): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of lines) {
    if (line === "") continue;
    const colon = line.indexOf(":");
    const name = line.slice(0, Math.max(colon, 0)).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (!TOKEN.test(name) || FIELD_VALUE_BAD.test(value)) {
      throw new HttpProtocolError(`Malformed header line`);
    }
    const had = fields.get(name);
    fields.set(name, had === undefined ? value : `${had}, ${value}`);
  }
  return fields;
}

/**
 * Write all of `data` to `w`.
 *
 * @param w The sink.
 * @param data Bytes or text.
 * @returns Once everything is written.
 * @example
 * ```ts ignore
 * await writeAll(conn, "HTTP/1.1 200 OK\r\n\r\n");
 * ```
 */
export async function writeAll(w: ByteWriter, data: Uint8Array | string): Promise<void> {
  let bytes = typeof data === "string" ? encoder.encode(data) : data;
  while (bytes.length > 0) {
    const n = await w.write(bytes);
    bytes = bytes.subarray(n);
  }
}

/**
 * Render a message head.
 *
 * @param startLine "HTTP/1.1 200 OK" or "GET / HTTP/1.1".
 * @param headers Header pairs.
 * @returns The head including the blank line.
 * @example
 * ```ts
 * import { renderHead } from "./http_wire.ts";
 * console.assert(renderHead("HTTP/1.1 204 No Content", []).endsWith("\r\n\r\n"));
 * ```
 */
export function renderHead(startLine: string, headers: Iterable<[string, string]>): string {
  let out = startLine + "\r\n";
  for (const [k, v] of headers) out += `${k}: ${v}\r\n`;
  return out + "\r\n";
}
