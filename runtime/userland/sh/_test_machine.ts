/**
 * Test helper: runs the shell as a process on the real kernel, over a `minimalRoot`
 * tmpfs that holds `/bin/berthbox` and a link per applet (so `cat`, `seq`, `sh` … are
 * exec'd by name as in a container), plus the test's files. Each run gets a fresh kernel
 * and root, and shuts the kernel down.
 *
 * @module
 */
import { Kernel } from "../../kernel/kernel.ts";
import type { StreamHandle } from "../../kernel/host_stdio.ts";
import { minimalRoot } from "../../kernel/minimal_root.ts";
import { O } from "../../kernel/syscalls/api.ts";
import { applets } from "../mod.ts";

/** What a run printed and returned. */
export interface ShellRun {
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
  /** Exit status as a shell reports it (128+n for a signal). */
  status: number;
}

/** Options of {@link runShell}. */
export interface ShellRunOptions {
  /** Files to create: path → text; a text starting with `#!` makes an executable. */
  files?: Record<string, string>;
  /** Standard input. */
  stdin?: string;
  /** argv (default `sh -c SCRIPT`). */
  argv?: string[];
  /** Whether stdin and stderr are a terminal (stdin then yields one line per read). */
  tty?: boolean;
  /** Environment (default PATH=/bin:/usr/bin HOME=/root). */
  env?: string[];
}

const enc = new TextEncoder();
const dec = new TextDecoder();

function ttyInput(text: string): StreamHandle {
  let rest = enc.encode(text);
  return {
    stream: true,
    read(buf) {
      if (rest.length === 0) return 0;
      const nl = rest.indexOf(10);
      const n = Math.min(buf.length, nl < 0 ? rest.length : nl + 1);
      buf.set(rest.subarray(0, n));
      rest = rest.subarray(n);
      return n;
    },
    write: () => -9,
    isatty: () => true,
  };
}

function collector(tty: boolean): { handle: StreamHandle; text(): string } {
  const chunks: Uint8Array[] = [];
  return {
    handle: {
      stream: true,
      read: () => -9,
      write(buf) {
        chunks.push(buf.slice());
        return buf.length;
      },
      isatty: () => tty,
    },
    text: () => dec.decode(new Uint8Array(chunks.flatMap((c) => [...c]))),
  };
}

/**
 * Runs `sh -c script` (or `opts.argv`) as a process on a fresh kernel.
 *
 * @param script Script for `-c`.
 * @param opts Files, stdin, argv, tty, env.
 * @returns Output and status.
 */
export async function runShell(script: string, opts: ShellRunOptions = {}): Promise<ShellRun> {
  const k = new Kernel({ builtins: applets, hostname: "berth-test" });
  try {
    const fs = minimalRoot(k);
    const files = opts.files ?? {};
    const setup = await k.spawn({
      argv: ["setup"],
      fs: fs.fork(),
      stdout: "null",
      stderr: "null",
      program: async (sys) => {
        for (const [path, text] of Object.entries(files)) {
          let cur = "";
          for (const d of path.split("/").filter(Boolean).slice(0, -1)) {
            cur += "/" + d;
            sys.mkdirat(-100, cur, 0o755);
          }
          const mode = text.startsWith("#!") ? 0o755 : 0o644;
          let fd = sys.openat(-100, path, O.WRONLY | O.CREAT | O.TRUNC, mode);
          if (fd instanceof Promise) fd = await fd;
          if (fd < 0) return 1;
          await sys.write(fd, enc.encode(text));
          sys.close(fd);
        }
        return 0;
      },
    });
    if ((await setup.wait()).exitCode !== 0) throw new Error("setup failed");
    const out = collector(false);
    const err = collector(opts.tty ?? false);
    const h = await k.spawn({
      argv: opts.argv ?? ["sh", "-c", script],
      fs: fs.fork(),
      env: opts.env ?? ["PATH=/bin:/usr/bin", "HOME=/root"],
      stdin: opts.tty ? ttyInput(opts.stdin ?? "") : "pipe",
      stdout: out.handle,
      stderr: err.handle,
    });
    if (!opts.tty) {
      const w = h.stdin!.getWriter();
      try {
        if (opts.stdin) await w.write(enc.encode(opts.stdin));
        await w.close();
      } catch {
        // the shell exited without reading all of it
      }
    }
    const st = await h.wait();
    return { stdout: out.text(), stderr: err.text(), status: st.exitCode };
  } finally {
    await k.shutdown();
  }
}

/**
 * Run each script (`sh -c`) on a fresh kernel and check its standard output: for the
 * pipelines that show a filter reads as input arrives (`yes | … | head` must end).
 *
 * @param cases Pairs of script and expected stdout.
 */
export async function expectStdout(cases: readonly (readonly [string, string])[]): Promise<void> {
  for (const [script, out] of cases) {
    const r = await runShell(script);
    if (r.stdout !== out) {
      throw new Error(`${script}: stdout ${JSON.stringify(r.stdout)}, want ${JSON.stringify(out)}`);
    }
  }
}
