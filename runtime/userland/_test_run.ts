/**
 * Test helper: run an applet in a process and collect what it printed.
 * Currently backed by the temporary in-memory fake ({@link fakeProc}); to be switched
 * to the real kernel once it can spawn builtins with a root file system.
 *
 * @module
 */
import type { BuiltinMain } from "./_builtin.ts";
import { fakeProc } from "./_test_sys.ts";
import type { FakeOptions, FakeProc } from "./_test_sys.ts";

/** Result of {@link runApplet}. */
export interface RunResult {
  /** Exit status. */
  code: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
  /** The process (to inspect files afterwards). */
  proc: FakeProc;
}

/**
 * Run `main` with `argv`.
 *
 * @param main The applet.
 * @param argv Its argv (argv[0] included).
 * @param opts Files, stdin, env, cwd; or an existing process to reuse its file system.
 * @returns Exit status and output.
 */
export async function runApplet(
  main: BuiltinMain,
  argv: string[],
  opts: FakeOptions | FakeProc = {},
): Promise<RunResult> {
  const proc = "sys" in opts ? opts : fakeProc(opts);
  const before = [proc.stdout().length, proc.stderr().length] as const;
  const code = await main(proc.sys, argv);
  return {
    code,
    stdout: proc.stdout().slice(before[0]),
    stderr: proc.stderr().slice(before[1]),
    proc,
  };
}
