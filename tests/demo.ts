/**
 * The README's main job: build an example image and run a container from it.
 * Until the builder and runtime land it shows what exists.
 *
 * @module
 */
import { main } from "../cli/main.ts";

Deno.exit(await main(["version"]));
