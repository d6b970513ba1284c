/**
 * What every command receives: the daemon client, output helpers and the state root.
 *
 * @module
 */
import { ApiClient } from "./_client.ts";
import { daemonAddress } from "./_run_client.ts";

const encoder = new TextEncoder();

/** A command's environment. */
export interface Context {
  /** The state root. */
  readonly root: string;
  /** The daemon's socket. */
  readonly socketPath: string;
  /** The daemon client (starts the daemon on first use). */
  readonly api: ApiClient;
  /** Print a line (or lines) to stdout. */
  out(text: string): void;
  /** Print a line to stderr. */
  err(text: string): void;
  /** Write raw bytes to stdout. */
  write(data: Uint8Array): Promise<void>;
  /** Debug mode (-D). */
  readonly debug: boolean;
}

/**
 * Make a context.
 *
 * @param root State root.
 * @param socketPath Socket path.
 * @param debug Debug mode.
 * @returns The context.
 * @example
 * ```ts ignore
 * const ctx = makeContext("/tmp/b", "/tmp/b/berth.sock", false);
 * ctx.out("hi");
 * ```
 */
export function makeContext(root: string, socketPath: string, debug: boolean): Context {
  return {
    root,
    socketPath,
    api: new ApiClient(root, socketPath),
    debug,
    out(text: string) {
      writeAllSync(Deno.stdout, encoder.encode(text + "\n"));
    },
    err(text: string) {
      writeAllSync(Deno.stderr, encoder.encode(text + "\n"));
    },
    async write(data: Uint8Array) {
      let rest = data;
      while (rest.length > 0) rest = rest.subarray(await Deno.stdout.write(rest));
    },
  };
}

function writeAllSync(f: { writeSync(p: Uint8Array): number }, data: Uint8Array): void {
  let rest = data;
  while (rest.length > 0) rest = rest.subarray(f.writeSync(rest));
}

/**
 * The context of a command: the state root, and the daemon's socket from `-H`,
 * `BERTH_HOST` or the state root.
 *
 * @param host `-H`'s value, if given.
 * @param debug `-D`.
 * @returns The context.
 * @example
 * ```ts ignore
 * const ctx = cliContext(undefined, false);
 * ```
 */
export function cliContext(host: unknown, debug: boolean): Context {
  const { root, socketPath } = daemonAddress(host);
  return makeContext(root, socketPath, debug);
}
