/**
 * `run` and `create` from the command line the CLI reads itself (`berth run` sends its
 * arguments to the daemon unparsed when it can: `_run_client.ts`): the create request
 * (`_run_request.ts`), run in one request when there is no terminal, stdin, `-d` or
 * `--cidfile`, and Docker's exit codes (the container's, or 125 for daemon errors, 126
 * cannot invoke, 127 not found). `run` with a terminal, stdin, `-d` or `--cidfile` (create,
 * attach, start), `start`, `attach` and `exec` are in `cmd_attach.ts`.
 *
 * @module
 */
import { flagBool, flagList, flagString, type ParsedArgs, UsageError } from "./_args.ts";
import { DaemonError, daemonErrorOf } from "./_client.ts";
import type { Context } from "./_context.ts";
import { ExitError } from "./_errors.ts";
import { commandModule } from "./_lazy.ts";
import { createBody } from "./_run_request.ts";
import { runOnDaemon } from "./_run_client.ts";
import { requestTarget } from "../runtime/daemon/http_client.ts";

/** `cmd_attach.ts`, for `run` with a terminal, stdin, `-d` or `--cidfile`. */
function attachCommands(): Promise<typeof import("./cmd_attach.ts")> {
  return commandModule("attach") as Promise<typeof import("./cmd_attach.ts")>;
}

/**
 * The `-e`/`--env-file` list of `run`, `create` and `exec`: `--env-file` lines first, then
 * each `-e`; a bare name takes the caller's value (and is dropped when it has none).
 *
 * @param args Parsed flags.
 * @returns `NAME=value` entries.
 * @example
 * ```ts ignore
 * const env = await envList(parsed);
 * ```
 */
export async function envList(args: ParsedArgs): Promise<string[]> {
  const out: string[] = [];
  for (const file of flagList(args, "env-file")) {
    let text: string;
    try {
      text = await Deno.readTextFile(file);
    } catch (err) {
      throw new UsageError(`open ${file}: ${(err as Error).message}`);
    }
    for (const raw of text.split("\n")) {
      const line = raw.trim();
      if (line === "" || line.startsWith("#")) continue;
      out.push(line.includes("=") ? line : `${line}=${Deno.env.get(line) ?? ""}`);
    }
  }
  for (const e of flagList(args, "env")) {
    if (e.includes("=")) out.push(e);
    else {
      const v = Deno.env.get(e);
      if (v !== undefined) out.push(`${e}=${v}`);
    }
  }
  return out;
}

/**
 * Map a start failure to Docker's exit codes: 127 not found, 126 cannot invoke, else 125.
 *
 * @param err What the start threw.
 * @example
 * ```ts ignore
 * try { await start(); } catch (err) { startFailure(err); }
 * ```
 */
export function startFailure(err: unknown): never {
  if (err instanceof DaemonError) {
    const msg = `berth: Error response from daemon: ${err.message}`;
    if (/executable file not found|no such file or directory/.test(err.message)) {
      throw new ExitError(127, msg);
    }
    if (/permission denied|exec format error/.test(err.message)) throw new ExitError(126, msg);
  }
  throw err;
}

/** A create failure: a missing image gets Docker's first line and Berth's way out. */
function createFailure(err: unknown): never {
  const missing = err instanceof DaemonError && err.status === 404 &&
    /^No such image: (.+)$/.exec(err.message);
  if (missing) {
    const image = missing[1];
    console.error(`Unable to find image '${image}' locally`);
    throw new ExitError(
      125,
      `berth: Error response from daemon: ${err.message}\nBerth pulls from no registry yet: build it ("berth build -t ${image} .") or load it ("berth load -i image.tar"); "berth images" lists what is here.`,
    );
  }
  throw err;
}

/**
 * Create a container from `run`/`create` flags (Docker's `POST /containers/create`), print
 * its warnings, and write `--cidfile`.
 *
 * @param ctx The command's context.
 * @param args Parsed flags.
 * @returns The container's id.
 * @example
 * ```ts ignore
 * const id = await createContainer(ctx, parsed);
 * ```
 */
export async function createContainer(ctx: Context, args: ParsedArgs): Promise<string> {
  const body = createBody(args, await envList(args));
  let out: { Id: string; Warnings?: string[] };
  try {
    out = await ctx.api.json("POST", "/containers/create", {
      query: { name: flagString(args, "name") },
      json: body,
    });
  } catch (err) {
    createFailure(err);
  }
  for (const w of out.Warnings ?? []) ctx.err(`WARNING: ${w}`);
  const cidfile = flagString(args, "cidfile");
  if (cidfile) await Deno.writeTextFile(cidfile, out.Id, { createNew: true });
  return out.Id;
}

/** `berth create`. */
export async function create(ctx: Context, args: ParsedArgs): Promise<number> {
  ctx.out(await createContainer(ctx, args));
  return 0;
}

/**
 * `berth run` without a terminal, stdin, `-d` or `--cidfile`, in one request
 * (`POST /_berth/run`: create, attach, start, wait and `--rm` in the daemon), for a command
 * line the daemon did not read itself (see `_run_client.ts`).
 *
 * @returns The exit code, or undefined when the daemon does not know the request.
 */
async function runInOneRequest(ctx: Context, args: ParsedArgs): Promise<number | undefined> {
  return await runOnDaemon(
    ctx,
    requestTarget("/_berth/run", { name: flagString(args, "name") }),
    JSON.stringify(createBody(args, await envList(args))),
    args.flags["sig-proxy"] !== false,
  );
}

/**
 * A one-request run's failure answer (`_run_client.ts`), thrown as Docker's errors and
 * exit codes.
 *
 * @param status The answer's status (4xx/5xx).
 * @param fields Its head fields, by lower-case name.
 * @param text Its body.
 * @returns Undefined when the daemon does not know the request or left the command line
 *   to the CLI.
 * @example
 * ```ts ignore
 * return await runFailure(404, new Map(), '{"message":"No such image: x"}');
 * ```
 */
export function runFailure(
  status: number,
  fields: Map<string, string>,
  text: string,
): undefined {
  if (fields.has("berth-run-fallback")) return undefined;
  const err = daemonErrorOf(status, text);
  if (status === 404 && err.message === "page not found") return undefined;
  if (fields.get("berth-run-phase") === "start") startFailure(err);
  createFailure(err);
}

/**
 * The error of a run stream that ended without the exit status.
 *
 * @param root The state root (where the daemon's log is).
 * @param id The container.
 * @returns Never.
 * @example
 * ```ts ignore
 * return lostRun(ctx.root, id);
 * ```
 */
export function lostRun(root: string, id: string): never {
  throw new ExitError(
    125,
    `berth: the daemon ended the run of ${
      id.slice(0, 12) || "the container"
    } without its exit status; see "berth ps -a" and the daemon's log (${root}/daemon.log)`,
  );
}

/** `berth run`. */
export async function run(ctx: Context, args: ParsedArgs): Promise<number> {
  const detach = flagBool(args, "detach");
  const tty = flagBool(args, "tty");
  const interactive = flagBool(args, "interactive");
  if (!detach && !tty && !interactive && flagString(args, "cidfile") === undefined) {
    const code = await runInOneRequest(ctx, args);
    if (code !== undefined) return code;
  }
  const { runAttached } = await attachCommands();
  return await runAttached(ctx, args, { detach, tty, interactive });
}
