/**
 * Property: for random stacks of layers (files, dirs, symlinks, hard links, whiteouts,
 * opaque markers over a small path universe), `mergeLayers` agrees with a naive model
 * that applies each layer's changeset to a tree in order, as the OCI image spec
 * describes ("Applying changesets"): lookups, types, file bytes and directory listings.
 */
import assert from "node:assert/strict";
import { fc, runs } from "../../tests/_property.ts";
import { type LayerChange, layerTar } from "./layer_writer.ts";
import { TarIndexer } from "./tar_indexer.ts";
import { IndexedLayer } from "./open_layer.ts";
import { mergeLayers } from "./merged_layers.ts";

const UNIVERSE = ["/a", "/a/b", "/a/b/c", "/a/d", "/e", "/e/f", "/g"];

type Node = { type: "dir" } | { type: "file"; data: string } | { type: "symlink"; target: string };

function parent(p: string): string {
  const i = p.lastIndexOf("/");
  return i <= 0 ? "/" : p.slice(0, i);
}

function isUnder(p: string, dir: string): boolean {
  return p.startsWith(dir + "/");
}

/** The model: apply a layer's changes to a tree. */
function apply(tree: Map<string, Node>, changes: LayerChange[]): void {
  const drop = (p: string) => {
    for (const k of [...tree.keys()]) if (k === p || isUnder(k, p)) tree.delete(k);
  };
  for (const c of changes) {
    if (c.type === "opaque") {
      for (const k of [...tree.keys()]) if (isUnder(k, c.path)) tree.delete(k);
    }
  }
  for (const c of changes) if (c.type === "whiteout") drop(c.path);
  const sorted = changes.filter((c) => c.type !== "whiteout" && c.type !== "opaque")
    .sort((x, y) => (x.path < y.path ? -1 : 1));
  for (const c of sorted) {
    const linked = c.type === "hardlink" ? tree.get(c.target) : undefined;
    if (c.type === "hardlink" && (!linked || linked.type === "dir")) continue;
    const ensure = (p: string) => {
      if (p === "/") return;
      const node = tree.get(p);
      if (node?.type === "dir") return;
      ensure(parent(p));
      if (node) drop(p);
      tree.set(p, { type: "dir" });
    };
    ensure(parent(c.path));
    const old = tree.get(c.path);
    if (old?.type === "dir" && c.type !== "dir") drop(c.path);
    if (c.type === "dir") tree.set(c.path, { type: "dir" });
    else if (c.type === "file") tree.set(c.path, { type: "file", data: String(c.data) });
    else if (c.type === "symlink") tree.set(c.path, { type: "symlink", target: c.target });
    else if (c.type === "hardlink" && linked) tree.set(c.path, { ...linked });
  }
}

const changeArb: fc.Arbitrary<LayerChange> = fc.oneof(
  fc.record({
    type: fc.constant("file" as const),
    path: fc.constantFrom(...UNIVERSE),
    data: fc.string({ maxLength: 5 }),
  }),
  fc.record({ type: fc.constant("dir" as const), path: fc.constantFrom(...UNIVERSE) }),
  fc.record({
    type: fc.constant("symlink" as const),
    path: fc.constantFrom(...UNIVERSE),
    target: fc.constantFrom("x", "/a/b"),
  }),
  fc.record({ type: fc.constant("whiteout" as const), path: fc.constantFrom(...UNIVERSE) }),
  fc.record({ type: fc.constant("opaque" as const), path: fc.constantFrom("/a", "/e", "/a/b") }),
  fc.record({
    type: fc.constant("hardlink" as const),
    path: fc.constantFrom(...UNIVERSE),
    target: fc.constantFrom(...UNIVERSE),
  }),
);

/** One layer's changes, made consistent the way a tar of one tree would be. */
function normalise(changes: LayerChange[]): LayerChange[] {
  const byPath = new Map<string, LayerChange>();
  const marks = new Map<string, LayerChange>();
  for (const c of changes) {
    if (c.type === "whiteout" || c.type === "opaque") marks.set(`${c.type}:${c.path}`, c);
    else byPath.set(c.path, c);
  }
  // An opaque directory is a directory of the layer (tar writers emit it with the marker).
  for (const m of marks.values()) {
    if (m.type !== "opaque") continue;
    const e = byPath.get(m.path);
    if (!e) byPath.set(m.path, { type: "dir", path: m.path });
    else if (e.type !== "dir") marks.delete(`opaque:${m.path}`);
  }
  // Nothing sits under a non-directory of the same layer. Hard links may point anywhere:
  // at a file earlier in this layer, at a lower layer's file or symlink, or at nothing.
  const all = [...byPath.values(), ...marks.values()];
  return all.filter((c) =>
    ![...byPath.values()].some((o) => o.type !== "dir" && isUnder(c.path, o.path))
  );
}

Deno.test("mergeLayers() agrees with applying each changeset in order (property)", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "berth-merge-prop-" });
  let n = 0;
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(changeArb, { maxLength: 8 }), { minLength: 1, maxLength: 5 }),
        async (stack) => {
          const layers: IndexedLayer[] = [];
          const model = new Map<string, Node>();
          for (const raw of stack) {
            const changes = normalise(raw);
            const bytes = new Uint8Array(
              await new Response(layerTar(changes, { sourceDateEpoch: 0 })).arrayBuffer(),
            );
            const path = `${tmp}/${n++}.tar`;
            await Deno.writeFile(path, bytes);
            const ix = new TarIndexer(path);
            ix.push(bytes);
            const r = ix.finish();
            layers.push(new IndexedLayer(path, { diffId: path, tarSize: r.size, ...r }));
            apply(model, changes);
          }
          const merged = mergeLayers(layers);
          try {
            for (const p of UNIVERSE) {
              const want = model.get(p);
              const hit = merged.lookup(p);
              assert.equal(
                hit?.entry.type === "hardlink" ? undefined : hit?.entry.type,
                want?.type,
                `type of ${p}`,
              );
              if (want?.type === "file" && hit) {
                const buf = new Uint8Array(hit.entry.size);
                merged.readSync(hit, buf, 0);
                assert.equal(new TextDecoder().decode(buf), want.data, `bytes of ${p}`);
              }
              if (want?.type === "symlink") assert.equal(hit?.entry.linkTarget, want.target);
              if (want?.type === "dir" || p === "/") {
                const kids = [...model.keys()].filter((k) => parent(k) === p)
                  .map((k) => k.slice(k.lastIndexOf("/") + 1)).sort();
                assert.deepEqual([...merged.children(p)], kids, `children of ${p}`);
              }
            }
            const top = [...model.keys()].filter((k) => parent(k) === "/")
              .map((k) => k.slice(1)).sort();
            assert.deepEqual([...merged.children("/")], top, "children of /");
          } finally {
            layers.forEach((l) => l.close());
          }
        },
      ),
      { numRuns: runs(100, 500) },
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
