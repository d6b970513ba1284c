/**
 * Imports of this directory's modules at the moment a command first needs them, so that
 * they stay off every command's start-up graph. Through templates with a literal prefix:
 * Deno loads the graph behind a literal `import("…")` at each start (for `berth run` the
 * image code and its npm packages came with `cmd_image.ts`: ~2 ms of every command), and a
 * template whose static part is only a directory (`./${name}.ts`) makes it load the whole
 * directory. A prefixed template is still resolvable when published (`deno publish` warns
 * about an import of a plain variable). Callers cast to `typeof import("./NAME.ts")`, which
 * keeps the modules type-checked.
 *
 * @module
 */

/**
 * Import the command module `cmd_NAME.ts`.
 *
 * @param name The module's name after `cmd_`.
 * @returns The module.
 * @example
 * ```ts ignore
 * const { ps } = await (commandModule("container") as Promise<typeof import("./cmd_container.ts")>);
 * ```
 */
export function commandModule(name: string): Promise<unknown> {
  return import(`./cmd_${name}.ts`);
}

/**
 * Import the internal module `_NAME.ts` (help texts, the attach-session client, the command
 * table, starting the daemon).
 *
 * @param name The module's name after `_`.
 * @returns The module.
 * @example
 * ```ts ignore
 * const { mainHelp } = await (internalModule("help") as Promise<typeof import("./_help.ts")>);
 * ```
 */
export function internalModule(name: string): Promise<unknown> {
  return import(`./_${name}.ts`);
}
