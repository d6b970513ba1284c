/**
 * Test helper: run applets as real processes on the real kernel, with a tmpfs root
 * (`minimalRoot`) holding `/bin/berthbox` and a link per applet, so that applets are
 * exec'd by name like in a container. A {@link TestMachine} keeps one root across runs;
 * each run uses a fresh kernel over that root and shuts it down, so no test leaks timers.
 *
 * @module
 */
import { isErrno } from "../kernel/errno.ts";
import { Kernel } from "../kernel/kernel.ts";
import type { ProcessFs } from "../kernel/process_fs.ts";
import { minimalRoot } from "../kernel/minimal_root.ts";
import { O } from "../kernel/syscalls/api.ts";
import { FsState } from "../kernel/vfs/fs_state.ts";
import type { Syscalls } from "../kernel/syscalls/api.ts";
import type { BuiltinMain } from "./_builtin.ts";
import { applets } from "./mod.ts";
import { readAll, writeAll } from "./_io.ts";

/** How to set up a machine and run a program on it. */
export interface RunOptions {
  /** Files: path → text (`/dir/` makes a directory; `->target` makes a symlink). */
  files?: Record<string, string>;
  /** Bytes on stdin. */
  stdin?: string;
  /** Environment (default PATH=/bin:/usr/bin, HOME=/root). */
  env?: string[];
  /** Working directory. */
  cwd?: string;
  /** uid/gid to run as (default root). */
  uid?: number;
  /** `CLONE_NEW*` flags (each run gets a private copy of the mount table anyway). */
  cloneFlags?: number;
}

/** Result of {@link runApplet}. */
export interface RunResult {
  /** Exit status as a shell reports it. */
  code: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
  /** The machine, to run more programs or look at files. */
  proc: TestMachine;
}

/** A root file system that programs run in, one kernel per run. */
export class TestMachine {
  #fs: ProcessFs | null = null;
  #files: Record<string, string>;
  /** Hostname the kernels get. */
  readonly hostname = "berth-test";

  /**
   * @param files Initial files.
   */
  constructor(files: Record<string, string> = {}) {
    this.#files = files;
  }

  /**
   * Run a program. With `main` it is started directly (the test hook); otherwise argv[0]
   * is exec'd through PATH like a shell would.
   *
   * @param argv argv.
   * @param opts stdin, env, cwd, uid.
   * @param main Program to run instead of exec'ing argv[0].
   * @returns Status and output.
   */
  async run(argv: string[], opts: RunOptions = {}, main?: BuiltinMain): Promise<RunResult> {
    const k = new Kernel({ builtins: applets, hostname: this.hostname });
    try {
      if (!this.#fs) {
        this.#fs = minimalRoot(k);
        await this.#setup(k, this.#files);
      }
      // A private copy of the mount table per run, with this kernel's /proc in it.
      const fs = this.#fs.fork();
      if (fs instanceof FsState) {
        fs.unshareMounts();
        // File-system types registered by an earlier run's kernel would mount that
        // (shut down) kernel's procfs: let this kernel register its own.
        for (const [name, factory] of k.fsTypes) fs.mountNs.fsTypes.set(name, factory);
      }
      const h = await k.spawn({
        argv,
        program: main,
        fs,
        stdin: "pipe",
        env: opts.env ?? ["PATH=/bin:/usr/bin", "HOME=/root"],
        cwd: opts.cwd,
        cred: opts.uid !== undefined ? { uid: opts.uid, gid: opts.uid } : undefined,
        cloneFlags: opts.cloneFlags,
        // Only root may mount: unprivileged runs go without /proc.
        mounts: opts.uid ? [] : [{ source: "proc", target: "/proc", fstype: "proc" }],
      });
      const out = new Response(h.stdout).text();
      const err = new Response(h.stderr).text();
      const w = h.stdin!.getWriter();
      // A program may exit without reading its input: the pipe then refuses writes.
      const feed = (async () => {
        try {
          if (opts.stdin) await w.write(new TextEncoder().encode(opts.stdin));
          await w.close();
        } catch {
          // ignored: the reader went away
        }
      })();
      const st = await h.wait();
      await feed;
      return { code: st.exitCode, stdout: await out, stderr: await err, proc: this };
    } finally {
      await k.shutdown();
    }
  }

  /**
   * Run a function with the system calls of a root process on this machine.
   *
   * @param fn Receives the syscalls.
   * @returns Its result.
   */
  async withSys<T>(fn: (sys: Syscalls) => Promise<T>): Promise<T> {
    let result: T | undefined;
    await this.run(["probe"], {}, async (sys) => {
      result = await fn(sys);
      return 0;
    });
    return result as T;
  }

  /**
   * Read a file of the machine.
   *
   * @param path Path.
   * @returns Its text, or null when it cannot be read.
   */
  file(path: string): Promise<string | null> {
    return this.withSys(async (sys) => {
      let fd = sys.openat(-100, path, O.RDONLY, 0);
      if (fd instanceof Promise) fd = await fd;
      if (isErrno(fd)) return null;
      const st = sys.fstat(fd);
      if (!isErrno(st) && (st.mode & 0o170000) === 0o040000) return null;
      const data = await readAll(sys, fd);
      sys.close(fd);
      return isErrno(data) ? null : new TextDecoder().decode(data);
    });
  }

  async #setup(k: Kernel, files: Record<string, string>): Promise<void> {
    const h = await k.spawn({
      argv: ["setup"],
      fs: this.#fs!.fork(),
      program: async (sys) => {
        for (const [p, text] of Object.entries(files)) {
          const parts = p.split("/").filter(Boolean);
          const dirs = p.endsWith("/") ? parts : parts.slice(0, -1);
          let cur = "";
          for (const d of dirs) {
            cur += "/" + d;
            sys.mkdirat(-100, cur, 0o755);
          }
          if (p.endsWith("/")) continue;
          if (text.startsWith("->")) {
            sys.symlinkat(text.slice(2), -100, p);
            continue;
          }
          let fd = sys.openat(-100, p, O.WRONLY | O.CREAT | O.TRUNC, 0o644);
          if (fd instanceof Promise) fd = await fd;
          if (isErrno(fd)) throw new Error(`setup: cannot create ${p}: ${fd}`);
          await writeAll(sys, fd, new TextEncoder().encode(text));
          sys.close(fd);
        }
        return 0;
      },
      stdout: "null",
      stderr: "null",
    });
    const st = await h.wait();
    if (st.exitCode !== 0) throw new Error(`setup failed: ${st.exitCode}`);
  }
}

/**
 * A machine with files.
 *
 * @param opts Files.
 * @returns The machine.
 */
export function fakeProc(opts: RunOptions = {}): TestMachine {
  return new TestMachine(opts.files);
}

/**
 * Run `main` with `argv` on the real kernel.
 *
 * @param main The applet (started directly; argv[0] names it).
 * @param argv Its argv (argv[0] included).
 * @param opts Files, stdin, env, cwd; or an existing machine to reuse its files.
 * @returns Exit status and output.
 */
export function runApplet(
  main: BuiltinMain,
  argv: string[],
  opts: RunOptions | TestMachine = {},
): Promise<RunResult> {
  if (opts instanceof TestMachine) return opts.run(argv, {}, main);
  return new TestMachine(opts.files).run(argv, opts, main);
}
