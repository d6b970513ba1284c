/**
 * The `berth` command line.
 *
 * @module
 */

/**
 * Runs the CLI with the given arguments.
 *
 * @param args Command-line arguments after `berth`.
 * @returns The process exit code.
 * @example
 * ```ts ignore
 * import { main } from "@berth/berth/cli";
 * Deno.exit(await main(["version"]));
 * ```
 */
export async function main(args: string[]): Promise<number> {
  await Promise.resolve();
  if (args[0] === "version") {
    console.log("berth 0.1.0");
    return 0;
  }
  console.error(`berth: '${args[0] ?? ""}' is not a berth command.`);
  return 125;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
