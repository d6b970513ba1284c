/**
 * Routes Docker Engine API requests: strips the `/v1.NN` prefix (unversioned paths are
 * answered too), matches `METHOD /path/{param}` patterns, and turns thrown
 * {@link ApiError}s into Docker's `{"message": …}` answers.
 *
 * @module
 */
import type { ApiHandler, ApiRequest, ApiResponder } from "./http_server.ts";
import { HttpProtocolError } from "./http_wire.ts";

/** The highest API version served. */
export const MAX_API_VERSION = "1.47";
/** The lowest API version accepted. */
export const MIN_API_VERSION = "1.24";

/** An error answer with a status, as Docker's API gives them. */
export class ApiError extends Error {
  /**
   * Create it.
   *
   * @param status HTTP status (400, 404, 409, 500, 501).
   * @param message The message clients print.
   */
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = "ApiError";
  }
}

/** A route handler with its path parameters. */
export type RouteHandler = (
  req: ApiRequest,
  res: ApiResponder,
  params: Record<string, string>,
) => Promise<void>;

interface Route {
  method: string;
  parts: string[];
  handler: RouteHandler;
}

/**
 * A table of routes.
 *
 * @example
 * ```ts ignore
 * const router = new Router();
 * router.add("GET", "/containers/{id}/json", async (req, res, p) => res.json(200, {}));
 * serveHttp(listener, router.handler());
 * ```
 */
export class Router {
  #routes: Route[] = [];

  /**
   * Add a route.
   *
   * @param method HTTP method ("GET"; HEAD requests match GET routes).
   * @param pattern "/containers/{id}/json"; a final "{name*}" matches the rest (image
   *   names contain slashes).
   * @param handler The handler.
   */
  add(method: string, pattern: string, handler: RouteHandler): void {
    this.#routes.push({ method, parts: pattern.split("/").filter((p) => p !== ""), handler });
  }

  /**
   * Match a request.
   *
   * @param method HTTP method.
   * @param path Unversioned path.
   * @returns The handler and parameters, "method" if only the method differs, or undefined.
   */
  match(
    method: string,
    path: string,
  ): { handler: RouteHandler; params: Record<string, string> } | "method" | undefined {
    const segs = path.split("/").filter((p) => p !== "");
    let methodMismatch = false;
    for (const route of this.#routes) {
      const params = matchParts(route.parts, segs);
      if (!params) continue;
      if (route.method === method || (method === "HEAD" && route.method === "GET")) {
        return { handler: route.handler, params };
      }
      methodMismatch = true;
    }
    return methodMismatch ? "method" : undefined;
  }

  /**
   * The HTTP handler serving this table.
   *
   * @param onError Called with unexpected errors.
   * @returns The handler.
   */
  handler(onError: (err: unknown) => void = () => {}): ApiHandler {
    return async (req, res) => {
      let path = req.path;
      const v = /^\/v(\d+\.\d+)(\/.*)$/.exec(path);
      if (v) {
        const [, version, rest] = v as unknown as [string, string, string];
        if (compareVersions(version, MIN_API_VERSION) < 0) {
          return await res.json(400, {
            message:
              `client version ${version} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`,
          });
        }
        path = rest;
      }
      const hit = this.match(req.method, path);
      if (hit === undefined) return await res.json(404, { message: "page not found" });
      if (hit === "method") {
        return await res.json(405, { message: `method ${req.method} not allowed` });
      }
      try {
        await hit.handler(req, res, hit.params);
      } catch (err) {
        if (res.answered) {
          if (!(err instanceof ApiError)) onError(err);
          return;
        }
        if (err instanceof ApiError) return await res.json(err.status, { message: err.message });
        if (err instanceof HttpProtocolError) {
          return await res.json(err.status, { message: err.message });
        }
        if (err instanceof SyntaxError) {
          return await res.json(400, { message: `invalid JSON: ${err.message}` });
        }
        const status = errorStatus(err);
        if (status === 500) onError(err);
        return await res.json(status, { message: (err as Error)?.message ?? String(err) });
      }
    };
  }
}

/**
 * The HTTP status of an error from another layer: its `httpStatus` field, else its name
 * (NotFound 404, Conflict 409, Invalid… 400), else 500.
 *
 * @param err The error.
 * @returns The status.
 * @example
 * ```ts
 * import { errorStatus } from "./router.ts";
 * console.assert(errorStatus(Object.assign(new Error("x"), { name: "NotFoundError" })) === 404);
 * ```
 */
export function errorStatus(err: unknown): number {
  const name = (err as Error)?.name ?? "";
  const status = (err as { httpStatus?: unknown })?.httpStatus;
  if (typeof status === "number") return status;
  if (/NotFound/.test(name)) return 404;
  if (/Conflict|InUse|AlreadyExists/.test(name)) return 409;
  if (/Invalid|BadArchive|BadLayer|Unsupported|Reference|Parse|Usage|Mismatch/.test(name)) {
    return 400;
  }
  // Other image errors are the request's (an ambiguous ID prefix, a tag with a digest…).
  if (name === "ImageError") return 400;
  return 500;
}

function matchParts(parts: string[], segs: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p.startsWith("{") && p.endsWith("*}")) {
      if (i >= segs.length) return undefined;
      const name = p.slice(1, -2);
      // The rest, minus the fixed suffix parts after it.
      const suffix = parts.slice(i + 1);
      if (segs.length - i <= suffix.length) return undefined;
      const end = segs.length - suffix.length;
      for (let k = 0; k < suffix.length; k++) if (suffix[k] !== segs[end + k]) return undefined;
      params[name] = segs.slice(i, end).map(safeDecode).join("/");
      return params;
    }
    const seg = segs[i];
    if (seg === undefined) return undefined;
    if (p.startsWith("{") && p.endsWith("}")) params[p.slice(1, -1)] = safeDecode(seg);
    else if (p !== seg) return undefined;
  }
  return parts.length === segs.length ? params : undefined;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * Compare "1.47" style versions.
 *
 * @param a A version.
 * @param b Another.
 * @returns Negative, zero or positive.
 * @example
 * ```ts
 * import { compareVersions } from "./router.ts";
 * console.assert(compareVersions("1.9", "1.47") < 0);
 * ```
 */
export function compareVersions(a: string, b: string): number {
  const [a1 = 0, a2 = 0] = a.split(".").map(Number);
  const [b1 = 0, b2 = 0] = b.split(".").map(Number);
  return a1 - b1 || a2 - b2;
}

/**
 * Read a JSON body and check it is an object.
 *
 * @param req The request.
 * @returns The object (empty when there is no body).
 * @throws {ApiError} 400 on bad JSON or a non-object.
 * @example
 * ```ts ignore
 * const body = await jsonBody(req);
 * ```
 */
export async function jsonBody(req: ApiRequest): Promise<Record<string, unknown>> {
  const bytes = await req.body();
  const text = new TextDecoder().decode(bytes).trim();
  if (text === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ApiError(400, `invalid JSON: ${(err as Error).message}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new ApiError(400, "invalid JSON: the body must be a JSON object");
  }
  return value as Record<string, unknown>;
}

/**
 * Read a boolean query parameter as Docker does ("1", "true", "True").
 *
 * @param q Query.
 * @param name Parameter.
 * @param def Default.
 * @returns The value.
 * @example
 * ```ts
 * import { queryBool } from "./router.ts";
 * console.assert(queryBool(new URLSearchParams("all=1"), "all"));
 * ```
 */
export function queryBool(q: URLSearchParams, name: string, def = false): boolean {
  const v = q.get(name);
  if (v === null || v === "") return def;
  return !["0", "false", "False", "FALSE", "no"].includes(v);
}
