import {
  compileNative,
  compileWasm,
  peersDir,
  ratioRow,
  short,
  skipRow,
  timeCommand,
} from "./common.ts";
import { formatTable, which } from "../_harness.ts";

function assert(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new Error(msg);
}

Deno.test("ratioRow judges a ≤ target and says by how much it is missed", () => {
  const ok = ratioRow("g", "a / b", 1, 2, { max: 1 });
  assert(ok.value === 0.5 && ok.pass === true && ok.target === "≤ 1×", JSON.stringify(ok));
  const bad = ratioRow("g", "a / b", 3, 1, { max: 1.5 });
  assert(bad.pass === false && bad.note?.includes("100% over the target"), JSON.stringify(bad));
  const low = ratioRow("g", "a / b", 1, 4, { min: 0.5 });
  assert(low.pass === false && low.note?.includes("50% under the target"), JSON.stringify(low));
});

Deno.test("ratioRow in quick mode shows the target but does not judge it", () => {
  const r = ratioRow("g", "a / b", 9, 1, { max: 1, quick: true });
  assert(r.target === "≤ 1×" && r.pass === undefined, JSON.stringify(r));
});

Deno.test("skipRow carries the reason and no value", () => {
  const r = skipRow("g", "umoci unpack", "MB/s", short(new Error("umoci not installed\nmore")));
  assert(Number.isNaN(r.value) && r.note === "skipped: umoci not installed", JSON.stringify(r));
});

Deno.test("timeCommand reports stdout and throws with stderr on a failing command", async () => {
  const { ms, out } = await timeCommand("sh", ["-c", "echo hi"], { stdout: true });
  assert(ms > 0 && out === "hi\n", out);
  let threw = "";
  try {
    await timeCommand("sh", ["-c", "echo boom >&2; exit 3"]);
  } catch (err) {
    threw = String(err);
  }
  assert(threw.includes("exited 3") && threw.includes("boom"), threw);
});

Deno.test({
  name: "native getpid program compiles and reports a per-call time",
  ignore: !(await which("gcc")) && !(await which("cc")),
  async fn() {
    const tmp = await Deno.makeTempDir();
    try {
      const bin = await compileNative(`${peersDir}/getpid.c`, tmp);
      assert(typeof bin === "string", String(bin));
      const { out } = await timeCommand(bin, ["1000"], { stdout: true });
      const ns = Number(out.split(" ")[0]);
      assert(ns > 0 && Number.isFinite(ns), out);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});

Deno.test("compileWasm gives a wasm module or says why it cannot", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const wasm = await compileWasm(`${peersDir}/clockloop.c`, tmp);
    if (wasm instanceof Error) {
      assert(wasm.message.length > 0, "empty reason");
    } else {
      assert(WebAssembly.validate(wasm), "invalid module");
    }
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("formatTable escapes a pipe inside a cell so the Markdown row keeps its columns", () => {
  const md = formatTable([{ group: "g", name: "seq | wc -l", value: 1, unit: "ms" }]);
  const row = md.split("\n")[2] ?? "";
  assert(row.includes("seq \\| wc -l"), row);
  assert(row.replaceAll("\\|", "").split("|").length === 10, row);
});

Deno.test("ratioRow reports a narrow miss with a decimal instead of 0%", () => {
  const r = ratioRow("g", "a / b", 5.004, 1, { max: 5 });
  assert(r.pass === false && r.note === "0.1% over the target", JSON.stringify(r));
});
