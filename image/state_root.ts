/**
 * Where Berth keeps its state.
 *
 * @module
 */

/**
 * The state root: `BERTH_ROOT`, else `$XDG_DATA_HOME/berth`, else `~/.local/share/berth`.
 * Without `node:path`: the CLI reads it at every start.
 *
 * @param env The environment to read (defaults to the process's).
 * @returns The path.
 * @example
 * ```ts
 * import { stateRoot } from "./state_root.ts";
 * console.assert(stateRoot({ BERTH_ROOT: "/tmp/b" }) === "/tmp/b");
 * console.assert(stateRoot({ XDG_DATA_HOME: "/d/" }) === "/d/berth");
 * console.assert(stateRoot({ HOME: "/" }) === "/.local/share/berth");
 * ```
 */
export function stateRoot(env?: Record<string, string | undefined>): string {
  const get = (name: string) => env ? env[name] : Deno.env.get(name);
  const root = get("BERTH_ROOT");
  if (root) return root;
  const xdg = get("XDG_DATA_HOME");
  if (xdg) return `${xdg.replace(/\/+$/, "")}/berth`;
  return `${(get("HOME") ?? "/root").replace(/\/+$/, "")}/.local/share/berth`;
}
