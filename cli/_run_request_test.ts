import assert from "node:assert/strict";
import { parseArgs, UsageError } from "./_args.ts";
import { CREATE_FLAGS } from "./_flags.ts";
import { createBody, readRunCommandLine } from "./_run_request.ts";
import { envList } from "./cmd_run.ts";
import { fc, runs } from "../tests/_property.ts";

/** What the CLI itself would send for `berth run ARGS` (the fallback's request). */
async function cliRequest(args: string[]) {
  const parsed = parseArgs(args, CREATE_FLAGS, false);
  return {
    body: createBody(parsed, await envList(parsed)),
    name: parsed.flags.name,
    detach: parsed.flags.detach === true,
  };
}

Deno.test("the daemon reads a berth run command line into the request the CLI would send", async () => {
  const lines = [
    ["--rm", "berth/base", "true"],
    ["--rm", "--name", "web", "-e", "A=1", "-eB=2", "--env=C=", "berth/base", "env"],
    ["-d", "-m", "64m", "--cpus", "0.5", "--pids-limit", "10", "berth/base", "sleep", "1"],
    ["-v", "/tmp:/data:ro", "--tmpfs", "/run:size=1m", "--read-only", "-w", "/data", "x:1"],
    ["--mount", "type=tmpfs,target=/t,tmpfs-size=1k", "--label", "a=b", "--user", "1:2", "x"],
    ["--restart", "on-failure:3", "--init", "--log-opt", "max-size=1k", "--entrypoint", "", "x"],
    ["--ipc", "shareable", "--pid", "container:c", "-h", "box", "--stop-signal", "TERM", "x"],
    ["--rm", "berth/base", "sh", "-c", "echo $A", "--", "-it", "-d"],
  ];
  for (const args of lines) {
    const read = readRunCommandLine(args);
    assert.ok(read, args.join(" "));
    assert.deepEqual(read, await cliRequest(args), args.join(" "));
  }
});

Deno.test("the daemon leaves to the CLI what only the CLI can do: terminals, stdin, --cidfile, the caller's environment, usage errors, help", () => {
  const declined = [
    ["-it", "berth/base", "sh"],
    ["-t", "berth/base", "sh"],
    ["-i", "berth/base", "sh"],
    ["-dit", "berth/base", "sh"],
    ["--cidfile", "/tmp/id", "berth/base", "true"],
    ["-e", "HOME", "berth/base", "true"],
    ["--env-file", "vars", "berth/base", "true"],
    ["--sig-proxy=false", "berth/base", "true"],
    ["--bogus", "berth/base", "true"],
    ["-m", "lots", "berth/base", "true"],
    ["--restart", "always:3", "berth/base", "true"],
    ["--cpus", "x", "berth/base", "true"],
    ["--help"],
    ["--rm"],
    [],
  ];
  for (const args of declined) assert.equal(readRunCommandLine(args), undefined, args.join(" "));
});

Deno.test("property: for any run command line, the daemon reads the CLI's request or leaves the line to the CLI", async () => {
  const flag = fc.constantFrom(
    ["--rm"],
    ["-d"],
    ["-i"],
    ["-t"],
    ["--name", "n1"],
    ["-e", "K=v"],
    ["-e", "PATH"],
    ["-m", "32m"],
    ["-m", "zz"],
    ["--cpus", "1.5"],
    ["--pids-limit", "7"],
    ["--pids-limit", "x"],
    ["-v", "/a:/b"],
    ["--tmpfs", "/t"],
    ["--restart", "on-failure:2"],
    ["--cidfile", "/tmp/c"],
    ["--unknown"],
    ["-w", "/w"],
  );
  await fc.assert(
    fc.asyncProperty(
      fc.array(flag, { maxLength: 6 }),
      fc.array(fc.constantFrom("berth/base", "sh", "-c", "-it", "x y"), { maxLength: 4 }),
      async (flags, rest) => {
        const args = [...flags.flat(), ...rest];
        const read = readRunCommandLine(args);
        let cli;
        try {
          cli = await cliRequest(args);
        } catch (err) {
          if (!(err instanceof UsageError)) throw err;
          assert.equal(read, undefined, "a usage error is the CLI's to print");
          return;
        }
        if (read !== undefined) assert.deepEqual(read, cli);
        else {
          const { flags: f, positionals } = parseArgs(args, CREATE_FLAGS, false);
          const env = (f.env as string[] | undefined) ?? [];
          assert.ok(
            positionals.length === 0 || f.tty || f.interactive || f.cidfile !== undefined ||
              env.some((e) => !e.includes("=")),
            `declined without a reason: ${args.join(" ")}`,
          );
        }
      },
    ),
    { numRuns: runs(300) },
  );
});
