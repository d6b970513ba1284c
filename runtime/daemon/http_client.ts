/**
 * A minimal HTTP/1.1 client for the daemon's Unix socket: one connection per request,
 * JSON and streamed bodies, and hijacked connections for attach/exec. Used by the
 * `berth` CLI (small and quick to load) and by tests.
 *
 * @module
 */
import {
  BufferedReader,
  concatBytes,
  HttpProtocolError,
  parseResponseHead,
  renderHead,
  writeAll,
} from "./http_wire.ts";

const decoder = new TextDecoder();

/** Options of one request. */
export interface RequestOptions {
  /** Query parameters (undefined values are skipped). */
  query?: Record<string, string | number | boolean | undefined>;
  /** A JSON body. */
  json?: unknown;
  /** A raw body, sent chunked when it is a stream. */
  body?: Uint8Array | AsyncIterable<Uint8Array>;
  /** Content type of a raw body. */
  contentType?: string;
  /** Extra headers. */
  headers?: Record<string, string>;
  /** Ask to upgrade the connection (attach/exec): `Upgrade: tcp`. */
  upgrade?: boolean;
  /**
   * Called once the request head (and a body of at most 64 KiB) is written, before the
   * answer is awaited: for work that can overlap the daemon's.
   */
  onSent?: () => void;
}

/** A response whose body has not been read yet. */
export interface ApiResponse {
  /** Status code. */
  readonly status: number;
  /** Response headers. */
  readonly headers: Headers;
  /**
   * One response header's value (repeated fields joined with ", "), without building
   * {@link headers} (the first `Headers` object loads Deno's fetch code: ~2 ms of a CLI
   * start).
   */
  header(name: string): string | undefined;
  /** The whole body as bytes. */
  bytes(): Promise<Uint8Array>;
  /** The whole body as text. */
  text(): Promise<string>;
  /** The whole body parsed as JSON. */
  json(): Promise<unknown>;
  /** The body in pieces as they arrive (raw after a hijack). */
  stream(): AsyncGenerator<Uint8Array>;
  /** Write to a hijacked connection. */
  write(data: Uint8Array): Promise<void>;
  /** Half-close a hijacked connection (no more input). */
  closeWrite(): void;
  /** Close the connection. */
  close(): void;
}

/** Thrown when the daemon cannot be reached. */
export class DaemonUnreachableError extends Error {
  /**
   * Create it.
   *
   * @param socketPath The socket tried.
   * @param cause Why it failed.
   */
  constructor(readonly socketPath: string, cause: unknown) {
    super(`Cannot connect to the Berth daemon at unix://${socketPath}`, { cause });
    this.name = "DaemonUnreachableError";
  }
}

/**
 * Build a request target from a path and query.
 *
 * @param path Absolute path ("/containers/json").
 * @param query Parameters.
 * @returns "path?query".
 * @example
 * ```ts
 * import { requestTarget } from "./http_client.ts";
 * console.assert(requestTarget("/x", { a: 1, b: undefined }) === "/x?a=1");
 * ```
 */
export function requestTarget(
  path: string,
  query: Record<string, string | number | boolean | undefined> = {},
): string {
  // By hand: the first URLSearchParams of a process loads Deno's URL code (~0.2 ms of a
  // CLI start); the daemon's URLSearchParams decodes %XX as well as "+".
  let qs = "";
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined) qs += `${qs ? "&" : ""}${encodeURIComponent(k)}=${encodeURIComponent(v)}`;
  }
  return qs ? `${path}?${qs}` : path;
}

/**
 * Open a connection to the daemon's Unix socket.
 *
 * @param socketPath The daemon's socket.
 * @returns The connection.
 * @throws {DaemonUnreachableError} When nothing answers there.
 * @example
 * ```ts ignore
 * const conn = await connectSocket("/tmp/b/berth.sock");
 * ```
 */
export async function connectSocket(socketPath: string): Promise<Deno.UnixConn> {
  try {
    return await Deno.connect({ transport: "unix", path: socketPath });
  } catch (err) {
    throw new DaemonUnreachableError(socketPath, err);
  }
}

/**
 * Send one request over a new connection to the Unix socket.
 *
 * @param socketPath The daemon's socket.
 * @param method HTTP method.
 * @param path Path ("/v1.47/containers/json").
 * @param opts Body, query and headers.
 * @returns The response (read its body once).
 * @example
 * ```ts ignore
 * const res = await request("/tmp/b/berth.sock", "GET", "/_ping");
 * console.log(await res.text());
 * ```
 */
export async function request(
  socketPath: string,
  method: string,
  path: string,
  opts: RequestOptions = {},
): Promise<ApiResponse> {
  const conn = await connectSocket(socketPath);
  try {
    return await exchange(conn, method, path, opts);
  } catch (err) {
    try {
      conn.close();
    } catch { /* closed */ }
    throw err;
  }
}

async function exchange(
  conn: Deno.UnixConn,
  method: string,
  path: string,
  opts: RequestOptions,
): Promise<ApiResponse> {
  const headers: [string, string][] = [["Host", "berth"], ["User-Agent", "berth-cli"]];
  let fixedBody: Uint8Array | undefined;
  let streamBody: AsyncIterable<Uint8Array> | undefined;
  if (opts.json !== undefined) {
    fixedBody = new TextEncoder().encode(JSON.stringify(opts.json));
    headers.push(["Content-Type", "application/json"]);
  } else if (opts.body instanceof Uint8Array) {
    fixedBody = opts.body;
    headers.push(["Content-Type", opts.contentType ?? "application/octet-stream"]);
  } else if (opts.body) {
    streamBody = opts.body;
    headers.push(["Content-Type", opts.contentType ?? "application/octet-stream"]);
    headers.push(["Transfer-Encoding", "chunked"]);
  }
  if (fixedBody) headers.push(["Content-Length", String(fixedBody.length)]);
  else if (!streamBody && (method === "POST" || method === "PUT")) {
    headers.push(["Content-Length", "0"]);
  }
  if (opts.upgrade) headers.push(["Connection", "Upgrade"], ["Upgrade", "tcp"]);
  else headers.push(["Connection", "close"]);
  for (const [k, v] of Object.entries(opts.headers ?? {})) headers.push([k, v]);
  const reqHead = new TextEncoder().encode(renderHead(`${method} ${path} HTTP/1.1`, headers));
  const upload: { error?: unknown } = {};
  if (fixedBody && fixedBody.length > 0 && fixedBody.length <= 64 * 1024) {
    // A small body goes with the head: one write, one wakeup of the daemon.
    await writeAll(conn, concatBytes([reqHead, fixedBody]));
  } else {
    await writeAll(conn, reqHead);
  }
  if (fixedBody && fixedBody.length > 64 * 1024) {
    // The daemon may answer (413) and close before reading it all: read the answer anyway.
    await writeAll(conn, fixedBody).catch((err) => (upload.error = err));
  }
  opts.onSent?.();
  // A function of its own, entered before the answer comes: V8 compiles a function when it
  // first runs, and for a CLI that is every time; this way, while the daemon works.
  return await readAnswer(conn, method, streamBody, upload);
}

/** Send a chunked body. */
async function uploadChunked(
  conn: Deno.UnixConn,
  body: AsyncIterable<Uint8Array>,
  upload: { error?: unknown },
): Promise<void> {
  try {
    const enc = new TextEncoder();
    for await (const piece of body) {
      if (piece.length === 0) continue;
      await writeAll(
        conn,
        concatBytes([enc.encode(piece.length.toString(16) + "\r\n"), piece, enc.encode("\r\n")]),
      );
    }
    await writeAll(conn, "0\r\n\r\n");
  } catch (err) {
    upload.error = err;
  }
}

/** Read the answer to a request written on `conn` (and send a streamed body meanwhile). */
async function readAnswer(
  conn: Deno.UnixConn,
  method: string,
  streamBody: AsyncIterable<Uint8Array> | undefined,
  upload: { error?: unknown },
): Promise<ApiResponse> {
  const reader = new BufferedReader(conn);
  const uploaded = streamBody ? uploadChunked(conn, streamBody, upload) : Promise.resolve();
  const head = await reader.readHead();
  if (head === null) {
    await uploaded;
    throw new HttpProtocolError(
      `The daemon closed the connection without answering${
        upload.error ? `: ${(upload.error as Error).message}` : ""
      }`,
    );
  }
  // The `Headers` object is built only if asked for (constructing the first one loads
  // Deno's fetch code: ~2 ms of every CLI start).
  const { status, fields } = parseResponseHead(head);
  const chunked = (fields.get("transfer-encoding") ?? "").toLowerCase().includes("chunked");
  const cl = fields.get("content-length") ?? null;
  let resHeaders: Headers | undefined;
  const raw = status === 101 || (!chunked && cl === null);
  let consumed = false;
  // Closed once: closing a closed resource throws, and building that error costs ~0.1 ms
  // (a stack trace) of a CLI that closes early (the run stream's last frame) and again
  // when the stream's reader finishes.
  let closed = false;
  const closeConn = () => {
    if (closed) return;
    closed = true;
    try {
      conn.close();
    } catch { /* closed */ }
  };
  const stream = async function* (): AsyncGenerator<Uint8Array> {
    if (consumed) return;
    consumed = true;
    try {
      if (method === "HEAD" || status === 204 || status === 304) return;
      if (chunked) yield* reader.chunks();
      else if (!raw) yield* reader.bytes(Number(cl));
      else yield* reader.bytes();
    } finally {
      if (!raw || status !== 101) closeConn();
    }
  };
  const bytes = async () => {
    const parts: Uint8Array[] = [];
    for await (const p of stream()) parts.push(p);
    return concatBytes(parts);
  };
  return {
    status,
    get headers(): Headers {
      return resHeaders ??= new Headers([...fields]);
    },
    header: (name: string) => fields.get(name.toLowerCase()),
    bytes,
    text: async () => decoder.decode(await bytes()),
    json: async () => {
      const t = decoder.decode(await bytes());
      return t.trim() === "" ? null : JSON.parse(t);
    },
    stream,
    write: (data) => writeAll(conn, data),
    closeWrite: () => {
      try {
        conn.closeWrite();
      } catch { /* closed */ }
    },
    close: closeConn,
  };
}
