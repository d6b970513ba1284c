/**
 * A separate process for the index concurrency test: tags an image many times and
 * removes some of its own tags, through the store API, against a shared BERTH_ROOT.
 *
 * Usage: deno run -A _tag_worker.ts ROOT WORKER COUNT
 *
 * @module
 */
import { openStore } from "../../image/mod.ts";

const [root, worker, count] = Deno.args;
if (!root || !worker || !count) throw new Error("usage: _tag_worker.ts ROOT WORKER COUNT");
const store = await openStore(root);
for (let i = 0; i < Number(count); i++) {
  await store.tag("berth/base", `w${worker}/img:${i}`);
  // Every third tag is removed again; the survivors must all be in index.json at the end.
  if (i % 3 === 2) await store.remove(`w${worker}/img:${i}`);
}
