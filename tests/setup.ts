/**
 * Test set-up run by `deno task test` before the suite: builds binary fixtures from
 * their committed sources when the toolchain is present and the outputs are missing or
 * stale. Tests that need a fixture that could not be built skip with the reason.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { dirname, fromFileUrl } from "./_paths.ts";

const here = dirname(fromFileUrl(import.meta.url));
const builders = [`${here}/fixtures/wasi/build.ts`];
for (const builder of builders) {
  if (!existsSync(builder)) continue;
  const { buildFixtures } = await import(builder);
  await buildFixtures();
}
