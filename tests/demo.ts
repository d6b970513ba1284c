/**
 * The README's demo (`deno task demo`): build the example image from the multi-stage
 * Dockerfile in tests/fixtures/demo with `berth build`, run a container from it with
 * `berth run`, list images and containers, then stop the daemon the demo started.
 *
 * @module
 */
import { main } from "../cli/main.ts";
import { dirname, fromFileUrl } from "./_paths.ts";

const here = dirname(fromFileUrl(import.meta.url));
const context = `${here}/fixtures/demo`;
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
  code ||= await step("list images", ["images"]);
  code ||= await step("list containers (none left: --rm)", ["ps", "-a"]);
} finally {
  await main(["system", "shutdown"]);
  if (ownRoot) await Deno.remove(Deno.env.get("BERTH_ROOT")!, { recursive: true }).catch(() => {});
}
Deno.exit(code);
