/**
 * Where Berth keeps its state.
 *
 * @module
 */
import { join } from "node:path";

/**
 * The state root: `BERTH_ROOT`, else `$XDG_DATA_HOME/berth`, else `~/.local/share/berth`.
 *
 * @param env The environment to read (defaults to the process's).
 * @returns An absolute path.
 * @example
 * ```ts
 * import { stateRoot } from "./state_root.ts";
 * console.assert(stateRoot({ BERTH_ROOT: "/tmp/b" }) === "/tmp/b");
 * ```
 */
export function stateRoot(env: Record<string, string | undefined> = Deno.env.toObject()): string {
  if (env.BERTH_ROOT) return env.BERTH_ROOT;
  if (env.XDG_DATA_HOME) return join(env.XDG_DATA_HOME, "berth");
  return join(env.HOME ?? "/root", ".local", "share", "berth");
}
