import assert from "node:assert/strict";
import {
  binarySize,
  compileTemplate,
  formatList,
  humanDuration,
  humanSize,
  statusWords,
} from "./_format.ts";

Deno.test("sizes and durations read as Docker's", () => {
  assert.equal(humanSize(0), "0B");
  assert.equal(humanSize(21_504), "21.5kB");
  assert.equal(humanSize(7_600_000), "7.6MB");
  assert.equal(binarySize(1024 * 1024 * 3.5), "3.5MiB");
  assert.equal(humanDuration(500), "Less than a second");
  assert.equal(humanDuration(59_000), "59 seconds");
  assert.equal(humanDuration(60_000), "About a minute");
  assert.equal(humanDuration(3 * 3_600_000), "3 hours");
  assert.equal(humanDuration(3 * 86_400_000), "3 days");
  const now = Date.parse("2026-01-01T00:01:00Z");
  assert.equal(
    statusWords({ Status: "running", StartedAt: "2026-01-01T00:00:57Z" }, now),
    "Up 3 seconds",
  );
  assert.equal(
    statusWords({ Status: "paused", StartedAt: "2026-01-01T00:00:00Z" }, now),
    "Up About a minute (Paused)",
  );
  assert.equal(
    statusWords({ Status: "exited", ExitCode: 3, FinishedAt: "2026-01-01T00:00:55Z" }, now),
    "Exited (3) 5 seconds ago",
  );
});

Deno.test("templates: fields, nested fields, json, index, table headers", () => {
  const v = { ID: "abc", Names: "web", Labels: { a: "1" }, State: { Status: "running" } };
  assert.equal(compileTemplate("{{.ID}} {{.State.Status}}").render(v), "abc running");
  assert.equal(compileTemplate("{{json .Labels}}").render(v), '{"a":"1"}');
  assert.equal(compileTemplate('{{index .Labels "a"}}').render(v), "1");
  assert.equal(
    formatList([v], "table {{.ID}}\t{{.Names}}", "", { ID: "CONTAINER ID" }),
    "CONTAINER ID   NAMES\nabc            web",
  );
  assert.equal(formatList([v, v], "json", "").split("\n").length, 2);
  assert.throws(() => compileTemplate("{{frob .ID}}").render(v), /function "frob" not defined/);
});
