/**
 * Test helpers for the WASI layer until the kernel can spawn processes: a `Syscalls`
 * object whose file calls are the kernel's real VFS system calls on a real tmpfs (the
 * process side — clocks, sleep, exit, signals — is a small stand-in), and a runner that
 * instantiates an instrumented module with the real WASI imports under JSPI.
 *
 * @module
 */
import { Errno } from "../kernel/errno.ts";
import type { Syscalls, Timespec } from "../kernel/syscalls/api.ts";
import { AT, O } from "../kernel/syscalls/api.ts";
import * as file from "../kernel/syscalls/sys_file.ts";
import * as meta from "../kernel/syscalls/sys_file_meta.ts";
import { pipe2 } from "../kernel/syscalls/sys_pipe.ts";
import { CountingCharger, testRoot, type TestTask } from "../kernel/vfs/_test_task.ts";
import { instrumentModule } from "./instrument/instrument.ts";
import { createWasiImports } from "./wasi_preview1.ts";
import { promising, suspending } from "./_jspi.ts";

/** Thrown by the stand-in `exit`. */
export class TestExit extends Error {
  /** @param code exit code */
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/** A process over a real tmpfs with stdin/stdout/stderr as files. */
export interface TestProcess {
  /** The system calls. */
  sys: Syscalls;
  /** The task. */
  task: TestTask;
  /** Signals the process sent with kill. */
  kills: [number, number][];
  /** Contents of a file. */
  readFile(path: string): string;
  /** Create a file. */
  writeFile(path: string, text: string): void;
}

/**
 * A test process whose fds 0..2 are `/stdin`, `/stdout`, `/stderr` on a tmpfs root.
 *
 * @param stdin text on stdin
 * @returns the process
 */
export function testProcess(stdin = ""): TestProcess {
  const { task } = testRoot(new CountingCharger());
  const t0 = performance.now();
  const kills: [number, number][] = [];
  const impl: Partial<Syscalls> = {
    getpid: () => 1,
    openat: (d, p, f, m) => file.openat(task, d, p, f, m),
    close: (fd) => file.close(task, fd),
    read: (fd, b) => file.read(task, fd, b),
    write: (fd, b) => file.write(task, fd, b),
    readv: (fd, b) => file.readv(task, fd, b),
    writev: (fd, b) => file.writev(task, fd, b),
    pread: (fd, b, o) => file.pread(task, fd, b, o),
    pwrite: (fd, b, o) => file.pwrite(task, fd, b, o),
    lseek: (fd, o, w) => file.lseek(task, fd, o, w),
    fstat: (fd) => file.fstat(task, fd),
    getdents64: (fd, n) => file.getdents64(task, fd, n),
    fsync: (fd) => file.fsync(task, fd),
    ftruncate: (fd, l) => file.ftruncate(task, fd, l),
    dup3: (fd, n, f) => file.dup3(task, fd, n, f),
    fcntl: (fd, c, a) => file.fcntl(task, fd, c, a),
    ioctl: (fd, r, a) => file.ioctl(task, fd, r, a),
    poll: (fds, t) => file.poll(task, fds, t),
    pipe2: (f) => pipe2(task, f),
    fstatat: (d, p, f) => meta.fstatat(task, d, p, f),
    mkdirat: (d, p, m) => meta.mkdirat(task, d, p, m),
    unlinkat: (d, p, f) => meta.unlinkat(task, d, p, f),
    renameat2: (a, b, c, d, f) => meta.renameat2(task, a, b, c, d, f),
    linkat: (a, b, c, d, f) => meta.linkat(task, a, b, c, d, f),
    symlinkat: (t, d, p) => meta.symlinkat(task, t, d, p),
    readlinkat: (d, p) => meta.readlinkat(task, d, p),
    utimensat: (d, p, a, m, f) => meta.utimensat(task, d, p, a, m, f),
    futimens: (fd, a, m) => meta.futimens(task, fd, a, m),
    getcwd: () => meta.getcwd(task),
    chdir: (p) => meta.chdir(task, p),
    clock_gettime(clock: number): Timespec | Errno {
      if (clock === 0) {
        const ms = Date.now();
        return { sec: Math.floor(ms / 1000), nsec: (ms % 1000) * 1e6 };
      }
      if (clock > 3 || clock < 0) return Errno.EINVAL;
      const ns = Math.round((performance.now() - t0) * 1e6);
      return { sec: Math.floor(ns / 1e9), nsec: ns % 1e9 };
    },
    clock_getres: (clock) => (clock < 0 || clock > 3 ? Errno.EINVAL : { sec: 0, nsec: 1000 }),
    nanosleep: (ts) =>
      new Promise<0>((resolve) => setTimeout(() => resolve(0), ts.sec * 1000 + ts.nsec / 1e6)),
    sched_yield: () => 0,
    getrandom: (buf) => {
      crypto.getRandomValues(buf);
      return buf.length;
    },
    kill: (pid, sig) => {
      kills.push([pid, sig]);
      return 0;
    },
    exit: (code: number): never => {
      throw new TestExit(code);
    },
  };
  const sys = new Proxy(impl, {
    get(target, name: string) {
      const fn = target[name as keyof Syscalls];
      if (!fn) throw new Error(`test kernel has no ${name}`);
      return fn;
    },
  }) as Syscalls;
  const enc = new TextEncoder();
  const writeFile = (path: string, text: string) => {
    const fd = file.openat(task, AT.FDCWD, path, O.WRONLY | O.CREAT | O.TRUNC, 0o644) as number;
    file.write(task, fd, enc.encode(text));
    file.close(task, fd);
  };
  writeFile("/stdin", stdin);
  file.openat(task, AT.FDCWD, "/stdin", O.RDONLY, 0);
  file.openat(task, AT.FDCWD, "/stdout", O.WRONLY | O.CREAT, 0o644);
  file.openat(task, AT.FDCWD, "/stderr", O.WRONLY | O.CREAT, 0o644);
  const readFile = (path: string): string => {
    const fd = file.openat(task, AT.FDCWD, path, O.RDONLY, 0);
    if (typeof fd !== "number" || fd < 0) throw new Error(`cannot open ${path}`);
    const buf = new Uint8Array(1 << 22);
    const n = file.read(task, fd, buf) as number;
    file.close(task, fd);
    return new TextDecoder().decode(buf.subarray(0, n));
  };
  return { sys, task, kills, readFile, writeFile };
}

/** Result of {@link runWasi}. */
export interface TestRun {
  /** Exit code (`proc_exit` or 0 at the end of `_start`). */
  code: number;
  /** Contents of /stdout. */
  stdout: string;
  /** Contents of /stderr. */
  stderr: string;
  /** Yields taken. */
  yields: number;
  /** Milliseconds spent in `_start`. */
  ms: number;
}

/**
 * Run a module's `_start` (instrumented) in `proc` with the real WASI imports.
 *
 * @param bytes the original module
 * @param argv argv
 * @param proc the process (default a fresh one)
 * @param env environment
 * @param instrument whether to instrument the module first (the benchmark's reference runs without)
 * @param yieldToEventLoop whether a used-up slice waits for a timer turn (Deno clamps
 *   nested timers to 4 ms) or only suspends and resumes from a microtask (benchmarks)
 * @returns exit code and output
 */
export async function runWasi(
  bytes: Uint8Array,
  argv: string[],
  proc: TestProcess = testProcess(),
  env: string[] = [],
  instrument = true,
  yieldToEventLoop = true,
): Promise<TestRun> {
  const { sys } = proc;
  const wasi = createWasiImports({ sys, argv, env, resumed: () => {} });
  const box: { memory?: WebAssembly.Memory } = {};
  let yields = 0;
  let sliceStart = performance.now();
  const module = await WebAssembly.compile(
    instrument ? instrumentModule(bytes).bytes : new Uint8Array(bytes),
  );
  const instance = await WebAssembly.instantiate(module, {
    wasi_snapshot_preview1: wasi.imports,
    berth: {
      yield: suspending(() => {
        // Like the kernel's slices: suspend (and let the event loop run) every 4 ms.
        yields++;
        const now = performance.now();
        if (now - sliceStart < 4) return 20_000;
        if (!yieldToEventLoop) {
          sliceStart = now;
          return Promise.resolve(20_000); // a real suspension, resumed from a microtask
        }
        return new Promise((r) =>
          setTimeout(() => {
            sliceStart = performance.now();
            r(20_000);
          }, 0)
        );
      }),
      memory_grow: (pages: number) => {
        try {
          return box.memory!.grow(pages);
        } catch {
          return -1;
        }
      },
    },
  } as WebAssembly.Imports);
  box.memory = instance.exports.memory as WebAssembly.Memory;
  wasi.memory.attach(box.memory);
  const root = sys.openat(AT.FDCWD, "/", O.RDONLY | O.DIRECTORY, 0) as number;
  wasi.preopens.set(root, "/");
  let code = 0;
  const t0 = performance.now();
  try {
    await promising(instance.exports._start as () => void)();
  } catch (e) {
    if (!(e instanceof TestExit)) throw e;
    code = e.code;
  }
  const ms = performance.now() - t0;
  return { code, stdout: proc.readFile("/stdout"), stderr: proc.readFile("/stderr"), yields, ms };
}
