/**
 * `ps -s` / `--size`, `ps --format '{{.Size}}'` and `inspect -s` through the real CLI:
 * Docker's "<writable layer> (virtual <image + writable layer>)", the same after a daemon
 * restart (measured from the saved layer).
 */
import assert from "node:assert/strict";
import { tempBerth } from "./cli_harness.ts";

Deno.test("ps -s shows the writable layer and the virtual size; --format {{.Size}} and inspect -s agree", async () => {
  const b = await tempBerth();
  try {
    const w = await b.run([
      "run",
      "--name",
      "writer",
      "berth/base",
      "sh",
      "-c",
      "head -c 12345 /dev/zero > /f; ln -s /f /l",
    ]);
    assert.equal(w.code, 0, w.stderr);
    assert.equal((await b.run(["create", "--name", "fresh", "berth/base", "true"])).code, 0);
    const image = JSON.parse((await b.run(["image", "inspect", "berth/base"])).stdout)[0];
    const imageBytes = image.Size as number;
    const human = (n: number) => {
      const units = ["B", "kB", "MB", "GB"];
      let v = n;
      let i = 0;
      while (v >= 1000 && i < units.length - 1) (v /= 1000), i++;
      return `${Number(v.toPrecision(3))}${units[i]}`;
    };
    const table = await b.run(["ps", "-a", "-s"]);
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trim().split("\n");
    assert.match(lines[0]!, /NAMES +SIZE$/);
    const writerLine = `${human(12347)} (virtual ${human(imageBytes + 12347)})`;
    assert.ok(lines.some((l) => l.includes("writer") && l.endsWith(writerLine)), table.stdout);
    assert.ok(
      lines.some((l) => l.includes("fresh") && l.endsWith(`0B (virtual ${human(imageBytes)})`)),
      table.stdout,
    );
    const plain = await b.run(["ps", "-a"]);
    assert.doesNotMatch(plain.stdout, /SIZE/, "no size column without -s");
    const fmt = async () =>
      (await b.run(["ps", "-a", "--filter", "name=writer", "--format", "{{.Names}}: {{.Size}}"]))
        .stdout.trim();
    assert.equal(await fmt(), `writer: ${writerLine}`);
    const ins = await b.run(["inspect", "-s", "--format", "{{.SizeRw}} {{.SizeRootFs}}", "writer"]);
    assert.equal(ins.stdout.trim(), `12347 ${imageBytes + 12347}`);
    const df = await b.run(["system", "df"]);
    assert.match(df.stdout, /^Containers +2 +0 +12\.3kB +12\.3kB$/m, df.stdout);

    assert.equal((await b.run(["system", "shutdown"])).code, 0);
    assert.equal(await fmt(), `writer: ${writerLine}`, "after a restart, from the saved layer");
  } finally {
    await b.cleanup();
  }
});
