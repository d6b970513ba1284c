import assert from "node:assert/strict";
import { familiarReference, formatReference, parseReference } from "./reference.ts";
import { InvalidReferenceError } from "./errors.ts";
import { parseDigest } from "./digest.ts";
import { InvalidDigestError } from "./errors.ts";

Deno.test("parseReference() normalises short names as Docker does", () => {
  assert.equal(formatReference(parseReference("busybox")), "docker.io/library/busybox:latest");
  assert.equal(formatReference(parseReference("berth/base")), "docker.io/berth/base:latest");
  assert.equal(
    formatReference(parseReference("docker.io/library/busybox:1.36")),
    "docker.io/library/busybox:1.36",
  );
  assert.equal(familiarReference(parseReference("docker.io/library/busybox:1.36")), "busybox:1.36");
  assert.equal(
    formatReference(parseReference("localhost:5000/a/b:c")),
    "localhost:5000/a/b:c",
  );
  const d = "sha256:" + "a".repeat(64);
  const r = parseReference(`web@${d}`);
  assert.equal(r.tag, undefined);
  assert.equal(r.digest, d);
});

Deno.test("parseReference() rejects what Docker rejects, naming the reason", () => {
  assert.throws(() => parseReference("Upper"), /must be lowercase/);
  assert.throws(() => parseReference("a:bad tag"), InvalidReferenceError);
  assert.throws(() => parseReference(""), /empty/);
  assert.throws(() => parseReference("a@sha256:xyz"), InvalidReferenceError);
  assert.throws(() => parseReference("a//b"), InvalidReferenceError);
});

Deno.test("parseDigest() accepts only sha256 with 64 lowercase hex", () => {
  assert.equal(parseDigest("sha256:" + "0".repeat(64)).length, 71);
  assert.throws(() => parseDigest("sha512:" + "0".repeat(128)), InvalidDigestError);
  assert.throws(() => parseDigest("sha256:" + "A".repeat(64)), /lowercase hex/);
  assert.throws(() => parseDigest("abc"), /algorithm/);
});
