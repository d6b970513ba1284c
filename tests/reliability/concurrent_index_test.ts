/**
 * Concurrency: several processes tagging and untagging against one store at once never
 * lose an update of index.json nor leave it torn.
 */
import assert from "node:assert/strict";
import { ensureBaseImage, openStore } from "../../image/mod.ts";

const WORKERS = Deno.env.get("BERTH_STRESS") ? 8 : 4;
const PER_WORKER = Deno.env.get("BERTH_STRESS") ? 40 : 15;

Deno.test("concurrent tag/untag from separate processes loses no tag", async () => {
  const root = await Deno.makeTempDir({ prefix: "berth-conc-" });
  try {
    const store = await openStore(root);
    await ensureBaseImage(store, { applets: ["sh"] });
    const worker = new URL("./_tag_worker.ts", import.meta.url).pathname;
    const runs = Array.from({ length: WORKERS }, (_, w) =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", worker, root, String(w), String(PER_WORKER)],
        stdout: "piped",
        stderr: "piped",
      }).output());
    for (const out of await Promise.all(runs)) {
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    }
    const index = JSON.parse(await Deno.readTextFile(`${root}/images/index.json`));
    const names = new Set<string>(
      index.manifests.map((m: { annotations?: Record<string, string> }) =>
        m.annotations?.["org.opencontainers.image.ref.name"]
      ),
    );
    for (let w = 0; w < WORKERS; w++) {
      for (let i = 0; i < PER_WORKER; i++) {
        const tag = `w${w}/img:${i}`;
        const expected = i % 3 !== 2;
        assert.equal(
          names.has(tag) || names.has(`docker.io/${tag}`),
          expected,
          `${tag} should ${expected ? "" : "not "}be tagged`,
        );
      }
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
