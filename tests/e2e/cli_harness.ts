/**
 * Shared harness of the CLI end-to-end tests: runs the real `berth` CLI in a
 * subprocess against a temporary BERTH_ROOT, and always stops the daemon it started.
 *
 * @module
 */
import { repoRoot } from "../_paths.ts";

/** The result of one CLI run. */
export interface CliResult {
  /** Exit code. */
  code: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

/** A temporary Berth installation: a root, and a way to run the CLI against it. */
export interface Berth {
  /** The state root. */
  root: string;
  /** The daemon socket. */
  socket: string;
  /** Run `berth ARGS…` (optional stdin). */
  run(
    args: string[],
    opts?: { stdin?: string | Uint8Array; env?: Record<string, string> },
  ): Promise<CliResult>;
  /** Stop the daemon (berth system shutdown, then a kill fallback) and delete the root. */
  cleanup(): Promise<void>;
}

/** The CLI entry. */
export const CLI: string = `${repoRoot}/cli/main.ts`;

/**
 * Make a temporary Berth root.
 *
 * @returns The harness; call cleanup() in a finally block.
 */
export async function tempBerth(): Promise<Berth> {
  const root = await Deno.makeTempDir({ prefix: "berth-e2e-" });
  const socket = `${root}/berth.sock`;
  const run: Berth["run"] = async (args, opts = {}) => {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", CLI, ...args],
      cwd: repoRoot,
      env: { BERTH_ROOT: root, NO_COLOR: "1", ...(opts.env ?? {}) },
      stdin: opts.stdin !== undefined ? "piped" : "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    if (opts.stdin !== undefined) {
      const w = child.stdin.getWriter();
      await w.write(
        typeof opts.stdin === "string" ? new TextEncoder().encode(opts.stdin) : opts.stdin,
      );
      await w.close();
    }
    const out = await child.output();
    return {
      code: out.code,
      stdout: new TextDecoder().decode(out.stdout),
      stderr: new TextDecoder().decode(out.stderr),
    };
  };
  return {
    root,
    socket,
    run,
    async cleanup() {
      let pid: number | undefined;
      try {
        pid = Number((await Deno.readTextFile(`${root}/berth.pid`)).trim());
      } catch { /* no daemon */ }
      if (pid) {
        await run(["system", "shutdown"]).catch(() => {});
        const deadline = Date.now() + 10_000;
        while (Date.now() < deadline && alive(pid)) await new Promise((r) => setTimeout(r, 50));
        if (alive(pid)) {
          try {
            Deno.kill(pid, "SIGKILL");
          } catch { /* gone */ }
        }
      }
      await Deno.remove(root, { recursive: true }).catch(() => {});
    },
  };
}

function alive(pid: number): boolean {
  try {
    Deno.kill(pid, "SIGCONT");
    return true;
  } catch {
    return false;
  }
}

/** The host's `docker` CLI (client only), if installed. */
export const DOCKER: string | undefined = (() => {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      if (Deno.statSync(`${dir}/docker`).isFile) return `${dir}/docker`;
    } catch { /* not here */ }
  }
  return undefined;
})();

/**
 * A runner for the `docker` CLI pointed at a Berth daemon (`DOCKER_HOST` on its socket,
 * a private `DOCKER_CONFIG`).
 *
 * @param b The Berth harness.
 * @param env Extra environment (e.g. `DOCKER_BUILDKIT=0`).
 * @returns `run(...args)` giving exit code and output.
 */
export function dockerClient(
  b: Berth,
  env: Record<string, string> = {},
): (...args: string[]) => Promise<CliResult> {
  return async (...args) => {
    const out = await new Deno.Command(DOCKER!, {
      args,
      env: { DOCKER_HOST: `unix://${b.socket}`, DOCKER_CONFIG: b.root, NO_COLOR: "1", ...env },
      stdout: "piped",
      stderr: "piped",
    }).output();
    return {
      code: out.code,
      stdout: new TextDecoder().decode(out.stdout),
      stderr: new TextDecoder().decode(out.stderr),
    };
  };
}
