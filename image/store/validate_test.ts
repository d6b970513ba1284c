import assert from "node:assert/strict";
import { validateConfig, validateDockerManifest, validateManifest } from "./validate.ts";

const fail = (why: string) => new Error(why);
const d = "sha256:" + "a".repeat(64);

Deno.test("validateManifest() names the field that has the wrong shape", () => {
  const good = { schemaVersion: 2, config: { mediaType: "c", digest: d, size: 2 }, layers: [] };
  assert.equal(validateManifest(good, "m", fail).layers.length, 0);
  assert.throws(
    () => validateManifest({ ...good, layers: {} }, "m", fail),
    /m\.layers is not an array/,
  );
  assert.throws(
    () => validateManifest({ ...good, config: { ...good.config, size: -1 } }, "m", fail),
    /m\.config\.size is not a non-negative integer/,
  );
  assert.throws(
    () => validateManifest({ ...good, layers: Array(5000).fill(good.config) }, "m", fail),
    /5000 entries \(limit 4096\)/,
  );
});

Deno.test("validateConfig() checks rootfs, runtime config and history types", () => {
  const good = { architecture: "wasm", os: "wasi", rootfs: { type: "layers", diff_ids: [d] } };
  assert.equal(validateConfig(good, "c", fail).os, "wasi");
  assert.throws(
    () => validateConfig({ ...good, rootfs: { type: "x", diff_ids: [] } }, "c", fail),
    /rootfs\.type/,
  );
  assert.throws(
    () => validateConfig({ ...good, config: { Env: [1] } }, "c", fail),
    /c\.config\.Env\[0\]/,
  );
  assert.throws(() => validateConfig({ ...good, created: "yesterday" }, "c", fail), /not a date/);
  assert.throws(
    () => validateConfig({ ...good, history: [{ empty_layer: "no" }] }, "c", fail),
    /empty_layer/,
  );
  assert.equal(validateConfig({ ...good, config: null }, "c", fail).config, undefined);
});

Deno.test("validateDockerManifest() accepts null RepoTags and refuses other shapes", () => {
  assert.deepEqual(validateDockerManifest([{ Config: "c", RepoTags: null, Layers: ["l"] }], fail), [
    { Config: "c", RepoTags: [], Layers: ["l"] },
  ]);
  assert.throws(() => validateDockerManifest({}, fail), /manifest\.json is not an array/);
  assert.throws(
    () => validateDockerManifest([{ Config: 1, Layers: [] }], fail),
    /Config is not a string/,
  );
  assert.throws(() => validateDockerManifest([{ Config: "c" }], fail), /Layers/);
});
