/**
 * Bad input loses nothing: archives whose JSON (index.json, docker manifest.json, image
 * manifests and configs) has been made wrong — type confusion, missing and unknown
 * fields, huge arrays — are loaded or refused with a typed error, and a refusal leaves
 * the store byte-identical. Content-addressed JSON is re-digested after mutation (and
 * the digests and sizes that point at it fixed up), so the mutation reaches the parser
 * behind the digest check instead of stopping at it.
 */
import assert from "node:assert/strict";
import { fc, runs } from "../_property.ts";
import { createHash } from "node:crypto";
import { packTar, unpackTar } from "modern-tar";
import { ensureBaseImage, ImageError, openStore } from "../../image/mod.ts";
import { loadImages } from "../../image/archive/load.ts";
import { saveImages } from "../../image/archive/save.ts";
import { snapshotTree } from "./_snapshot.ts";

const RUNS = runs(50, 300);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Member = { name: string; data: Uint8Array };

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const enc = new TextEncoder();
const dec = new TextDecoder();

async function validArchive(): Promise<Member[]> {
  const root = await Deno.makeTempDir({ prefix: "berth-fuzz-src-" });
  try {
    const store = await openStore(root);
    await ensureBaseImage(store, { applets: ["sh", "ls", "cat"] });
    const bytes = new Uint8Array(
      await new Response(await saveImages(store, ["berth/base"])).arrayBuffer(),
    );
    const entries = await unpackTar(bytes);
    return entries
      .filter((e) => e.header.type === "file")
      .map((e) => ({ name: e.header.name.replace(/^\.\//, ""), data: e.data ?? new Uint8Array() }));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

function jsonMembers(members: Member[]): number[] {
  const out: number[] = [];
  members.forEach((m, i) => {
    if (m.data.length > 64 * 1024) return;
    try {
      const v = JSON.parse(dec.decode(m.data));
      if (v && typeof v === "object") out.push(i);
    } catch { /* not JSON */ }
  });
  return out;
}

/** Paths (key lists) of every node in a JSON value. */
function nodePaths(v: Json, prefix: (string | number)[] = [], out: (string | number)[][] = []) {
  out.push(prefix);
  if (Array.isArray(v)) v.forEach((x, i) => nodePaths(x, [...prefix, i], out));
  else if (v && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) nodePaths(x, [...prefix, k], out);
  }
  return out;
}

const replacement: fc.Arbitrary<Json | "<delete>" | "<huge>"> = fc.oneof(
  fc.constant(null),
  fc.constant("<delete>" as const),
  fc.constant("<huge>" as const),
  fc.integer(),
  fc.constant(-1),
  fc.constant(1e300),
  fc.string(),
  fc.constant("../../../../etc/passwd"),
  fc.constant("sha256:" + "0".repeat(64)),
  fc.constant<Json>([]),
  fc.constant<Json>({}),
  fc.boolean(),
);

function applyAt(root: Json, path: (string | number)[], value: Json | "<delete>" | "<huge>"): Json {
  const v = value === "<huge>" ? Array.from({ length: 20000 }, () => ({})) : value;
  if (path.length === 0) return v === "<delete>" ? {} : v;
  let node = root as Record<string | number, Json>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, Json>;
  const last = path[path.length - 1]!;
  if (v === "<delete>") {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else node[last] = v;
  return root;
}

/** After `members[i]` changed, re-digest content-addressed blobs and fix what points at them. */
function fixUp(members: Member[], changed: number): void {
  const queue = [changed];
  for (let guard = 0; queue.length > 0 && guard < 8; guard++) {
    const i = queue.shift()!;
    const m = members[i]!;
    const match = /^blobs\/sha256\/([0-9a-f]{64})$/.exec(m.name);
    if (!match) continue;
    const oldHex = match[1]!;
    const newHex = sha(m.data);
    if (oldHex === newHex) continue;
    m.name = `blobs/sha256/${newHex}`;
    members.forEach((other, j) => {
      if (j === i) return;
      const text = dec.decode(other.data);
      if (!text.includes(oldHex)) return;
      let fixed = text.replaceAll(oldHex, newHex);
      try {
        const v = JSON.parse(fixed) as Json;
        const walk = (n: Json) => {
          if (Array.isArray(n)) n.forEach(walk);
          else if (n && typeof n === "object") {
            if (n.digest === `sha256:${newHex}` && typeof n.size === "number") {
              n.size = m.data.length;
            }
            Object.values(n).forEach(walk);
          }
        };
        walk(v);
        fixed = JSON.stringify(v);
      } catch { /* leave text */ }
      other.data = enc.encode(fixed);
      queue.push(j);
    });
  }
}

Deno.test("archives with malformed JSON are loaded or refused, and a refusal changes nothing", async () => {
  const good = await validArchive();
  const candidates = jsonMembers(good);
  assert.ok(
    candidates.length >= 3,
    `expected index, manifest and config JSON, got ${candidates.length}`,
  );
  const root = await Deno.makeTempDir({ prefix: "berth-fuzz-dst-" });
  const outcomes = { loaded: 0, refused: 0 };
  try {
    const store = await openStore(root);
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.nat(), replacement, async (pick, at, value) => {
        const members = good.map((m) => ({ name: m.name, data: m.data.slice() }));
        const i = candidates[pick % candidates.length]!;
        const target = members[i]!;
        const doc = JSON.parse(dec.decode(target.data)) as Json;
        const paths = nodePaths(doc);
        const mutated = applyAt(doc, paths[at % paths.length]!, value);
        target.data = enc.encode(JSON.stringify(mutated));
        fixUp(members, i);
        const archive = await packTar(
          members.map((m) => ({
            header: { name: m.name, size: m.data.length, type: "file" as const },
            body: m.data,
          })),
        );
        const before = await snapshotTree(root);
        try {
          await loadImages(store, archive, { name: "fuzzed.tar" });
          outcomes.loaded++;
        } catch (err) {
          assert.ok(
            err instanceof ImageError,
            `untyped failure: ${err instanceof Error ? err.stack : err}`,
          );
          assert.match(err.message, /fuzzed\.tar|sha256:|blob|manifest|config|index/i, err.message);
          assert.deepEqual(await snapshotTree(root), before, "a refused load changed the store");
          outcomes.refused++;
        }
      }),
      { numRuns: RUNS },
    );
    assert.ok(
      outcomes.refused > 0,
      "no malformed archive was refused: the fuzzer is not reaching the parser",
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
