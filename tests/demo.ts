/**
 * The README's demo (`deno task demo`): build the example images from the multi-stage
 * Dockerfiles in tests/fixtures/demo (text tools on berth/base; a WASI program in a FROM
 * scratch image) with `berth build`, run containers from them with
 * `berth run`, list images and containers, then stop the daemon the demo started.
 *
 * @module
 */
import { main } from "../cli/main.ts";
import { dirname, fromFileUrl } from "./_paths.ts";

const here = dirname(fromFileUrl(import.meta.url));
// The build context: the demo's Dockerfiles and text, plus two WASI programs compiled
// from C (tests/fixtures/wasi, committed with their sources).
const context = await Deno.makeTempDir({ prefix: "berth-demo-context-" });
for await (const e of Deno.readDir(`${here}/fixtures/demo`)) {
  await Deno.copyFile(`${here}/fixtures/demo/${e.name}`, `${context}/${e.name}`);
}
for (const wasm of ["hello.wasm", "upper.wasm"]) {
  await Deno.copyFile(`${here}/fixtures/wasi/${wasm}`, `${context}/${wasm}`);
}
const ownRoot = Deno.env.get("BERTH_ROOT") === undefined;
if (ownRoot) Deno.env.set("BERTH_ROOT", await Deno.makeTempDir({ prefix: "berth-demo-" }));

async function step(title: string, args: string[]): Promise<number> {
  console.log(`\n$ berth ${args.join(" ")}    # ${title}`);
  const code = await main(args);
  if (code !== 0) console.error(`(exit ${code})`);
  return code;
}

let code = 0;
try {
  code ||= await step("build the example image (multi-stage Dockerfile)", [
    "build",
    "-t",
    "berth-demo:latest",
    context,
  ]);
  code ||= await step("run a container from it", ["run", "--rm", "berth-demo:latest"]);
  code ||= await step("run a shell command in the same image", [
    "run",
    "--rm",
    "berth-demo:latest",
    "sh",
    "-c",
    'echo "I am $(whoami) on $(hostname), in $(pwd)"; ls -l /app',
  ]);
  code ||= await step("build a WASI program into a FROM scratch image (multi-stage)", [
    "build",
    "-t",
    "berth-demo-wasi:latest",
    "-f",
    `${context}/Dockerfile.wasi`,
    context,
  ]);
  code ||= await step("run it: the entrypoint is a WebAssembly module", [
    "run",
    "--rm",
    "berth-demo-wasi:latest",
  ]);
  code ||= await step("list images", ["images"]);
  code ||= await step("list containers (none left: --rm)", ["ps", "-a"]);
} finally {
  await main(["system", "shutdown"]);
  if (ownRoot) await Deno.remove(Deno.env.get("BERTH_ROOT")!, { recursive: true }).catch(() => {});
  await Deno.remove(context, { recursive: true }).catch(() => {});
}
Deno.exit(code);
