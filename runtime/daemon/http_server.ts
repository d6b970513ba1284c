/**
 * A small HTTP/1.1 server for the daemon's Unix socket: keep-alive, Content-Length and
 * chunked bodies in both directions, streamed responses, and connection hijacking
 * (`101 Switching Protocols` for `Upgrade: tcp`, as Docker's attach and exec do).
 *
 * @module
 */
import {
  BufferedReader,
  concatBytes,
  headerFields,
  HttpProtocolError,
  renderHead,
  writeAll,
} from "./http_wire.ts";

const encoder = new TextEncoder();

/** Reason phrases for the statuses the daemon uses. */
const REASONS: Record<number, string> = {
  101: "Switching Protocols",
  200: "OK",
  201: "Created",
  204: "No Content",
  304: "Not Modified",
  400: "Bad Request",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Payload Too Large",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
};

/** The default largest request body read into memory (JSON bodies). */
export const DEFAULT_BODY_LIMIT = 4 * 1024 * 1024;

/** An HTTP request as a handler sees it. */
export interface ApiRequest {
  /** Method, upper case. */
  readonly method: string;
  /** Path without the query string, percent-decoding left to the router. */
  readonly path: string;
  /** Query parameters. */
  readonly query: URLSearchParams;
  /** Request headers. */
  readonly headers: Headers;
  /** Read the whole body (at most `limit` bytes, else a 413 error). */
  body(limit?: number): Promise<Uint8Array>;
  /** Iterate the body in pieces (for uploads: load, build, import, archive). */
  bodyStream(): AsyncGenerator<Uint8Array>;
}

/** A chunked response being written. */
export interface StreamWriter {
  /** Write one piece. Resolves false when the client went away. */
  write(data: Uint8Array | string): Promise<boolean>;
  /** Finish the response. */
  close(): Promise<void>;
  /** Resolves when the client closes the connection. */
  readonly closed: Promise<void>;
}

/** A connection taken over after the response head: raw bytes both ways. */
export interface HijackedConn {
  /** Bytes from the client (whatever followed the request). */
  read(): Promise<Uint8Array | null>;
  /** Write raw bytes. Resolves false when the client went away. */
  write(data: Uint8Array | string): Promise<boolean>;
  /** Close the write side (half-close) once every queued write is out. */
  close(): Promise<void>;
}

/** How a handler answers. Exactly one of the methods is called per request. */
export interface ApiResponder {
  /** Answer with JSON. */
  json(status: number, value: unknown, headers?: Record<string, string>): Promise<void>;
  /** Answer with bytes or text. */
  send(
    status: number,
    body: Uint8Array | string,
    contentType?: string,
    headers?: Record<string, string>,
  ): Promise<void>;
  /** Start a chunked streamed answer. */
  stream(
    status: number,
    contentType: string,
    headers?: Record<string, string>,
  ): Promise<StreamWriter>;
  /**
   * Take the connection over (101 if the client asked to upgrade, else 200 and raw bytes
   * until the connection closes), with extra response headers and first bytes (sent in
   * the same write as the head) if given.
   */
  hijack(
    contentType: string,
    headers?: Record<string, string>,
    first?: Uint8Array,
  ): Promise<HijackedConn>;
  /** Whether an answer was started. */
  readonly answered: boolean;
}

/** A request handler. */
export type ApiHandler = (req: ApiRequest, res: ApiResponder) => Promise<void>;

/** A running server. */
export interface HttpServer {
  /** Stop accepting and close open connections. */
  close(): Promise<void>;
  /** Resolves when the accept loop ends. */
  readonly finished: Promise<void>;
}

/**
 * Serve HTTP/1.1 on a listener.
 *
 * @param listener A listening socket (Unix or TCP).
 * @param handler The request handler.
 * @param onError Called with unexpected handler errors (logged by the daemon).
 * @returns The server handle.
 * @example
 * ```ts ignore
 * const server = serveHttp(Deno.listen({ transport: "unix", path }), async (req, res) => {
 *   await res.json(200, { ok: true });
 * });
 * ```
 */
export function serveHttp(
  listener: Deno.Listener,
  handler: ApiHandler,
  onError: (err: unknown) => void = () => {},
): HttpServer {
  const conns = new Set<Deno.Conn>();
  let closing = false;
  const finished = (async () => {
    try {
      for await (const conn of listener) {
        conns.add(conn);
        handleConn(conn, handler, onError).finally(() => {
          conns.delete(conn);
          try {
            conn.close();
          } catch { /* already closed */ }
        });
      }
    } catch (err) {
      if (!closing) onError(err);
    }
  })();
  return {
    finished,
    async close() {
      closing = true;
      try {
        listener.close();
      } catch { /* closed */ }
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed */ }
      }
      await finished;
    },
  };
}

async function handleConn(
  conn: Deno.Conn,
  handler: ApiHandler,
  onError: (err: unknown) => void,
): Promise<void> {
  const reader = new BufferedReader(conn);
  while (true) {
    let head: string | null;
    try {
      head = await reader.readHead();
    } catch (err) {
      if (err instanceof HttpProtocolError) await sendError(conn, err.status, err.message, true);
      return;
    }
    if (head === null) return;
    const lines = head.split("\r\n");
    const m = /^([A-Z]+) (\S+) HTTP\/1\.([01])$/.exec(lines[0] ?? "");
    if (!m) {
      await sendError(conn, 400, "Malformed request line", true).catch(() => {});
      return;
    }
    let fields: Map<string, string>;
    try {
      fields = headerFields(lines.slice(1));
    } catch (err) {
      await sendError(conn, 400, (err as Error).message, true).catch(() => {});
      return;
    }
    const [, method, target, minor] = m as unknown as [string, string, string, string];
    const qAt = target.indexOf("?");
    const path = qAt >= 0 ? target.slice(0, qAt) : target;
    const query = new URLSearchParams(qAt >= 0 ? target.slice(qAt + 1) : "");
    const connHeader = (fields.get("connection") ?? "").toLowerCase();
    let keepAlive = minor === "1"
      ? !connHeader.includes("close")
      : connHeader.includes("keep-alive");

    // Body framing: remaining bytes of the request body (drained before the next request).
    const chunked = (fields.get("transfer-encoding") ?? "").toLowerCase().includes("chunked");
    const contentLength = Number(fields.get("content-length") ?? "0");
    if (!chunked && (!Number.isInteger(contentLength) || contentLength < 0)) {
      await sendError(conn, 400, "Bad Content-Length", true).catch(() => {});
      return;
    }
    let bodyState: "unread" | "reading" | "done" = chunked || contentLength > 0 ? "unread" : "done";
    const bodyStream = async function* (): AsyncGenerator<Uint8Array> {
      if (bodyState !== "unread") return;
      bodyState = "reading";
      if (chunked) yield* reader.chunks();
      else yield* reader.bytes(contentLength);
      bodyState = "done";
    };
    let headers: Headers | undefined;
    const req: ApiRequest = {
      method,
      path,
      query,
      get headers() {
        return headers ??= new Headers([...fields]);
      },
      async body(limit = DEFAULT_BODY_LIMIT) {
        if (!chunked && contentLength > limit) {
          throw new HttpProtocolError("Request body too large", 413);
        }
        const parts: Uint8Array[] = [];
        let total = 0;
        for await (const p of bodyStream()) {
          total += p.length;
          if (total > limit) throw new HttpProtocolError("Request body too large", 413);
          parts.push(p);
        }
        return concatBytes(parts);
      },
      bodyStream,
    };

    let answered = false;
    let hijacked = false;
    let closeAfter = false;
    // The head is written together with a small body (one write, one wakeup of the peer).
    const writeHead = async (status: number, hdrs: Record<string, string>, body?: Uint8Array) => {
      answered = true;
      if (bodyState === "reading" && !hijacked) {
        // The handler stopped reading the body part-way (e.g. a 413): the rest of it is
        // still in the connection and would be parsed as the next request, so this
        // answer is the connection's last.
        keepAlive = false;
        hdrs = { ...hdrs, Connection: "close" };
      }
      const all: [string, string][] = [
        ["Api-Version", "1.47"],
        ["Docker-Experimental", "false"],
        ["Ostype", "linux"],
        ["Server", "Berth"],
        ["Date", new Date().toUTCString()],
        ...Object.entries(hdrs),
      ];
      const head = encoder.encode(
        renderHead(`HTTP/1.1 ${status} ${REASONS[status] ?? "Status"}`, all),
      );
      await writeAll(conn, body && body.length > 0 ? concatBytes([head, body]) : head);
    };
    const res: ApiResponder = {
      get answered() {
        return answered;
      },
      async json(status, value, headers = {}) {
        const body = status === 204 || status === 304 ? "" : JSON.stringify(value) + "\n";
        await res.send(status, body, "application/json", headers);
      },
      async send(status, body, contentType = "text/plain; charset=utf-8", headers = {}) {
        const bytes = typeof body === "string" ? encoder.encode(body) : body;
        const h: Record<string, string> = { ...headers };
        if (status !== 204 && status !== 304) {
          h["Content-Type"] = contentType;
          h["Content-Length"] = String(bytes.length);
        }
        if (!keepAlive) h["Connection"] = "close";
        if (method !== "HEAD" && bytes.length > 0 && bytes.length <= 64 * 1024) {
          await writeHead(status, h, bytes);
        } else {
          await writeHead(status, h);
          if (method !== "HEAD" && bytes.length > 0) await writeAll(conn, bytes);
        }
      },
      async stream(status, contentType, headers = {}) {
        await writeHead(status, {
          ...headers,
          "Content-Type": contentType,
          "Transfer-Encoding": "chunked",
        });
        let alive = true;
        let closedResolve!: () => void;
        const closed = new Promise<void>((r) => (closedResolve = r));
        // Watch for the client closing while we stream (it sends nothing more on a GET).
        if (bodyState === "done") {
          (async () => {
            try {
              const more = await reader.readSome();
              if (more === null) {
                alive = false;
                closedResolve();
              }
            } catch {
              alive = false;
              closedResolve();
            }
          })();
          closeAfter = true;
        }
        return {
          closed,
          async write(data) {
            if (!alive) return false;
            const bytes = typeof data === "string" ? encoder.encode(data) : data;
            if (bytes.length === 0) return true;
            try {
              await writeAll(
                conn,
                concatBytes([
                  encoder.encode(bytes.length.toString(16) + "\r\n"),
                  bytes,
                  encoder.encode("\r\n"),
                ]),
              );
              return true;
            } catch {
              alive = false;
              closedResolve();
              return false;
            }
          },
          async close() {
            if (!alive) return;
            try {
              await writeAll(conn, "0\r\n\r\n");
            } catch {
              alive = false;
            }
          },
        };
      },
      async hijack(contentType, extra = {}, first) {
        const upgrade = (fields.get("upgrade") ?? "").toLowerCase();
        hijacked = true;
        if (upgrade) {
          await writeHead(101, {
            ...extra,
            "Content-Type": contentType,
            "Connection": "Upgrade",
            "Upgrade": upgrade,
          }, first);
        } else {
          await writeHead(
            200,
            { ...extra, "Content-Type": contentType, "Connection": "close" },
            first,
          );
        }
        let alive = true;
        // Writes go out one after another, in call order (callers need not await them).
        let chain: Promise<unknown> = Promise.resolve();
        return {
          read: async () => {
            try {
              return await reader.readSome();
            } catch {
              return null;
            }
          },
          write(data) {
            const next = chain.then(async () => {
              if (!alive) return false;
              try {
                await writeAll(conn, data);
                return true;
              } catch {
                alive = false;
                return false;
              }
            });
            chain = next;
            return next;
          },
          async close() {
            await chain;
            alive = false;
            try {
              conn.closeWrite();
            } catch { /* closed */ }
          },
        };
      },
    };

    try {
      await handler(req, res);
      if (!answered) await res.json(404, { message: `page not found` });
    } catch (err) {
      if (err instanceof HttpProtocolError) {
        keepAlive = false;
        if (!answered) await res.json(err.status, { message: err.message }).catch(() => {});
      } else {
        onError(err);
        if (!answered) {
          await res.json(500, { message: (err as Error)?.message ?? String(err) }).catch(() => {});
        }
      }
      if (!answered || hijacked) return;
    }
    // A hijacked connection belongs to its handler until the handler returns.
    if (hijacked || closeAfter || !keepAlive) return;
    // Drain an unread body so the next request parses.
    try {
      for await (const _ of bodyStream()) { /* discard */ }
    } catch {
      return;
    }
  }
}

async function sendError(conn: Deno.Conn, status: number, message: string, close: boolean) {
  const body = JSON.stringify({ message }) + "\n";
  await writeAll(
    conn,
    renderHead(`HTTP/1.1 ${status} ${REASONS[status] ?? "Error"}`, [
      ["Content-Type", "application/json"],
      ["Content-Length", String(encoder.encode(body).length)],
      ...(close ? [["Connection", "close"] as [string, string]] : []),
    ]) + body,
  );
}
