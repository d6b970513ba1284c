import assert from "node:assert/strict";
import { LogWriter, parseLogOptions, readLogs } from "./container_logs.ts";

Deno.test("LogWriter writes json-file lines split on newlines, partial lines at close", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const w = new LogWriter(`${dir}/c-json.log`, { maxSize: -1, maxFile: 1 });
    const enc = new TextEncoder();
    w.write("stdout", enc.encode("one\ntw"));
    w.write("stderr", enc.encode("err\n"));
    w.write("stdout", enc.encode("o\nthree"));
    w.close();
    const lines = (await Deno.readTextFile(`${dir}/c-json.log`)).trim().split("\n").map((l) =>
      JSON.parse(l)
    );
    assert.deepEqual(lines.map((l) => [l.stream, l.log]), [
      ["stdout", "one\n"],
      ["stderr", "err\n"],
      ["stdout", "two\n"],
      ["stdout", "three"],
    ]);
    assert.match(lines[0].time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    const tail = await readLogs(`${dir}/c-json.log`, 1, { tail: 2, stderr: false });
    assert.deepEqual(tail.map((r) => r.log), ["two\n", "three"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("LogWriter rotates by max-size and keeps max-file files, read back in order", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const opts = parseLogOptions({ "max-size": "200", "max-file": "3" });
    const w = new LogWriter(`${dir}/c-json.log`, opts);
    for (let i = 0; i < 30; i++) w.write("stdout", new TextEncoder().encode(`line ${i}\n`));
    w.close();
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(names, ["c-json.log", "c-json.log.1", "c-json.log.2"]);
    for (const n of names) assert.ok(Deno.statSync(`${dir}/${n}`).size <= 200);
    const all = await readLogs(`${dir}/c-json.log`, 3);
    const nums = all.map((r) => Number(r.log.split(" ")[1]));
    assert.deepEqual(nums, [...nums].sort((a, b) => a - b), "oldest first");
    assert.equal(nums.at(-1), 29);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parseLogOptions rejects bad sizes and unknown options", () => {
  assert.throws(() => parseLogOptions({ "max-size": "lots" }), /invalid max-size/);
  assert.throws(() => parseLogOptions({ "max-file": "0" }), /invalid max-file/);
  assert.throws(() => parseLogOptions({ "colour": "x" }), /unknown log opt/);
  assert.deepEqual(parseLogOptions({ "max-size": "10m" }), {
    maxSize: 10 * 1024 * 1024,
    maxFile: 1,
  });
});
