/**
 * TEMPORARY test double for the shell's execution tests until the real kernel can
 * spawn builtin programs: a few processes with fd tables, pipes that block, an
 * in-memory file tree, `spawn` of builtin programs (with file actions and
 * close-on-exec) and `wait4`. Only what the shell uses is implemented; everything else
 * returns `ENOSYS`. Replace with the real kernel when `runtime/kernel/kernel.ts` lands.
 *
 * @module
 */
import { Errno } from "../../kernel/errno.ts";
import type {
  Dirent,
  SpawnOptions,
  Stat,
  Syscalls,
  WaitResult,
} from "../../kernel/syscalls/api.ts";
import { O, W } from "../../kernel/syscalls/api.ts";
import type { BuiltinMain } from "../_builtin.ts";

type Node = { kind: "file"; data: Uint8Array; mode: number; ino: number } | {
  kind: "dir";
  mode: number;
  ino: number;
};

class Pipe {
  /** A terminal in cooked mode: a read returns at most one line. */
  lineMode = false;
  buf: number[] = [];
  readers = 0;
  writers = 0;
  waiters: (() => void)[] = [];
  wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

type File =
  | { kind: "file"; path: string; pos: number; flags: number; refs: number }
  | { kind: "dir"; path: string; pos: number; flags: number; refs: number }
  | { kind: "pr"; pipe: Pipe; refs: number; flags: number }
  | { kind: "pw"; pipe: Pipe; refs: number; flags: number }
  | { kind: "sink"; out: number[]; refs: number; flags: number };

interface Fd {
  file: File;
  cloexec: boolean;
}

class ProcessExitError extends Error {
  code: number;
  constructor(code: number) {
    super("exit");
    this.code = code;
  }
}

interface Proc {
  pid: number;
  ppid: number;
  fds: Map<number, Fd>;
  cwd: string;
  env: string[];
  argv: string[];
  done: Promise<number>;
  status?: number;
  reaped: boolean;
  umask: number;
}

/** A fake machine: files, programs and captured output. */
export class FakeKernel {
  nodes = new Map<string, Node>([["/", { kind: "dir", mode: 0o40755, ino: 1 }]]);
  programs = new Map<string, BuiltinMain>();
  procs = new Map<number, Proc>();
  nextPid = 100;
  nextIno = 2;
  stdout: number[] = [];
  stderr: number[] = [];
  /** Whether fds 0–2 of the first process report being a terminal. */
  tty = false;

  /** Adds a file (parents are created). */
  addFile(path: string, text: string, mode = 0o644): void {
    this.mkdirs(path.slice(0, path.lastIndexOf("/")) || "/");
    this.nodes.set(path, {
      kind: "file",
      data: new TextEncoder().encode(text),
      mode: 0o100000 | mode,
      ino: this.nextIno++,
    });
  }

  mkdirs(path: string): void {
    let cur = "";
    for (const part of path.split("/").filter((p) => p)) {
      cur += "/" + part;
      if (!this.nodes.has(cur)) {
        this.nodes.set(cur, { kind: "dir", mode: 0o40755, ino: this.nextIno++ });
      }
    }
  }

  /** Registers a program under /bin/NAME. */
  addProgram(name: string, main: BuiltinMain): void {
    this.programs.set(name, main);
    this.mkdirs("/bin");
    this.nodes.set(`/bin/${name}`, {
      kind: "file",
      data: new Uint8Array(),
      mode: 0o100755,
      ino: this.nextIno++,
    });
  }

  /** Runs a program as the first process with stdin text; resolves with its status. */
  run(argv: string[], stdin = "", env: string[] = ["PATH=/bin", "HOME=/"]): Promise<number> {
    const inPipe = new Pipe();
    inPipe.buf = [...new TextEncoder().encode(stdin)];
    inPipe.readers = 1;
    inPipe.lineMode = this.tty;
    const fds = new Map<number, Fd>([
      [0, { file: { kind: "pr", pipe: inPipe, refs: 1, flags: 0 }, cloexec: false }],
      [1, { file: { kind: "sink", out: this.stdout, refs: 1, flags: 1 }, cloexec: false }],
      [2, { file: { kind: "sink", out: this.stderr, refs: 1, flags: 1 }, cloexec: false }],
    ]);
    const p = this.start(argv[0]!, argv, env, fds, "/", 1);
    if (typeof p === "number") return Promise.resolve(127);
    return p.done;
  }

  resolve(cwd: string, path: string): string {
    const parts: string[] = [];
    for (const seg of (path.startsWith("/") ? path : `${cwd}/${path}`).split("/")) {
      if (seg === "" || seg === ".") continue;
      if (seg === "..") parts.pop();
      else parts.push(seg);
    }
    return "/" + parts.join("/");
  }

  start(
    path: string,
    argv: string[],
    env: string[],
    fds: Map<number, Fd>,
    cwd: string,
    ppid: number,
  ): Proc | Errno {
    let name = path;
    if (!path.includes("/")) {
      const pathVar = env.find((e) => e.startsWith("PATH="))?.slice(5) ?? "/bin";
      const dir = pathVar.split(":").find((d) => this.nodes.has(`${d}/${path}`));
      if (dir === undefined) return Errno.ENOENT;
      name = `${dir}/${path}`;
    }
    const abs = this.resolve(cwd, name);
    const node = this.nodes.get(abs);
    if (!node) return Errno.ENOENT;
    if (node.kind === "dir" || (node.mode & 0o111) === 0) return Errno.EACCES;
    let main = this.programs.get(abs.slice(abs.lastIndexOf("/") + 1));
    let args = argv;
    if (!main || !abs.startsWith("/bin/")) {
      const text = new TextDecoder().decode(node.data);
      if (!text.startsWith("#!")) return Errno.ENOEXEC;
      const interp = text.slice(2, text.indexOf("\n")).trim().split(/\s+/);
      main = this.programs.get(interp[0]!.slice(interp[0]!.lastIndexOf("/") + 1));
      if (!main) return Errno.ENOENT;
      args = [...interp, abs, ...argv.slice(1)];
    }
    const pid = this.nextPid++;
    const proc: Proc = {
      pid,
      ppid,
      fds,
      cwd,
      env,
      argv: args,
      done: Promise.resolve(0),
      reaped: false,
      umask: 0o022,
    };
    this.procs.set(pid, proc);
    const sys = this.syscalls(proc);
    const program = main;
    proc.done = (async () => {
      await Promise.resolve();
      let code: number;
      try {
        code = await program(sys, args);
      } catch (e) {
        if (e instanceof ProcessExitError) code = e.code;
        else throw e;
      }
      for (const fd of [...proc.fds.keys()]) this.closeFd(proc, fd);
      proc.status = code & 0xff;
      return code & 0xff;
    })();
    return proc;
  }

  closeFd(p: Proc, fd: number): 0 | Errno {
    const e = p.fds.get(fd);
    if (!e) return Errno.EBADF;
    p.fds.delete(fd);
    this.unref(e.file);
    return 0;
  }

  unref(f: File): void {
    if (--f.refs > 0) return;
    if (f.kind === "pr") {
      f.pipe.readers--;
      f.pipe.wake();
    } else if (f.kind === "pw") {
      f.pipe.writers--;
      f.pipe.wake();
    }
  }

  syscalls(p: Proc): Syscalls {
    return makeSyscalls(this, p);
  }

  /** Captured stdout text. */
  out(): string {
    return new TextDecoder().decode(new Uint8Array(this.stdout));
  }

  /** Captured stderr text. */
  err(): string {
    return new TextDecoder().decode(new Uint8Array(this.stderr));
  }
}

function makeSyscalls(k: FakeKernel, p: Proc): Syscalls {
  const sys: Partial<Syscalls> = {
    getpid: () => p.pid,
    getppid: () => p.ppid,
    geteuid: () => 0,
    getegid: () => 0,
    getuid: () => 0,
    getgid: () => 0,
    environ: () => [...p.env],
    argv: () => [...p.argv],
    getcwd: () => p.cwd,
    umask: (m: number) => {
      const old = p.umask;
      p.umask = m & 0o777;
      return old;
    },
    isatty: (fd: number) => k.tty && fd <= 2 && p.ppid === 1,
    sigaction: () => "default",
    exit: (code: number): never => {
      throw new ProcessExitError(code);
    },
    chdir(path) {
      const abs = k.resolve(p.cwd, path);
      const n = k.nodes.get(abs);
      if (!n) return Errno.ENOENT;
      if (n.kind !== "dir") return Errno.ENOTDIR;
      p.cwd = abs;
      return 0;
    },
    fstatat(_dirfd, path) {
      const abs = k.resolve(p.cwd, path);
      const n = k.nodes.get(abs);
      if (!n) return Errno.ENOENT;
      const t = { sec: 0, nsec: 0 };
      const st: Stat = {
        dev: 1,
        ino: n.ino,
        mode: n.mode,
        nlink: 1,
        uid: 0,
        gid: 0,
        rdev: 0,
        size: n.kind === "file" ? n.data.length : 0,
        blksize: 4096,
        blocks: 0,
        atime: t,
        mtime: t,
        ctime: t,
      };
      return st;
    },
    faccessat(_dirfd, path, mode) {
      const n = k.nodes.get(k.resolve(p.cwd, path));
      if (!n) return Errno.ENOENT;
      if (mode & 1 && (n.mode & 0o111) === 0) return Errno.EACCES;
      return 0;
    },
    openat(_dirfd, path, flags) {
      const abs = k.resolve(p.cwd, path);
      let n = k.nodes.get(abs);
      if (abs === "/dev/null") {
        return install({ kind: "sink", out: [], refs: 1, flags }, flags);
      }
      if (!n) {
        if (!(flags & O.CREAT)) return Errno.ENOENT;
        const parent = k.nodes.get(abs.slice(0, abs.lastIndexOf("/")) || "/");
        if (!parent || parent.kind !== "dir") return Errno.ENOENT;
        n = { kind: "file", data: new Uint8Array(), mode: 0o100644, ino: k.nextIno++ };
        k.nodes.set(abs, n);
      } else if (flags & O.EXCL && flags & O.CREAT) return Errno.EEXIST;
      if (n.kind === "dir") {
        if ((flags & O.ACCMODE) !== O.RDONLY) return Errno.EISDIR;
        return install({ kind: "dir", path: abs, pos: 0, flags, refs: 1 }, flags);
      }
      if (flags & O.TRUNC) n.data = new Uint8Array();
      return install({ kind: "file", path: abs, pos: 0, flags, refs: 1 }, flags);
    },
    close: (fd) => k.closeFd(p, fd),
    read(fd, buf) {
      const e = p.fds.get(fd);
      if (!e) return Errno.EBADF;
      const f = e.file;
      if (f.kind === "file") {
        const n = k.nodes.get(f.path) as Node & { kind: "file" };
        const chunk = n.data.subarray(f.pos, f.pos + buf.length);
        buf.set(chunk);
        f.pos += chunk.length;
        return chunk.length;
      }
      if (f.kind !== "pr") return f.kind === "sink" ? 0 : Errno.EBADF;
      const pipe = f.pipe;
      const attempt = (): number | Promise<number> => {
        if (pipe.buf.length > 0) {
          let n = Math.min(buf.length, pipe.buf.length);
          if (pipe.lineMode) {
            const nl = pipe.buf.indexOf(10);
            if (nl >= 0) n = Math.min(n, nl + 1);
          }
          buf.set(pipe.buf.splice(0, n));
          pipe.wake();
          return n;
        }
        if (pipe.writers === 0) return 0;
        return new Promise<void>((r) => pipe.waiters.push(r)).then(attempt);
      };
      return attempt();
    },
    write(fd, buf) {
      const e = p.fds.get(fd);
      if (!e) return Errno.EBADF;
      const f = e.file;
      if (f.kind === "sink") {
        for (const b of buf) f.out.push(b);
        return buf.length;
      }
      if (f.kind === "file") {
        const n = k.nodes.get(f.path) as Node & { kind: "file" };
        if (f.flags & O.APPEND) f.pos = n.data.length;
        const end = Math.max(n.data.length, f.pos + buf.length);
        const data = new Uint8Array(end);
        data.set(n.data);
        data.set(buf, f.pos);
        n.data = data;
        f.pos += buf.length;
        return buf.length;
      }
      if (f.kind !== "pw") return Errno.EBADF;
      const pipe = f.pipe;
      const attempt = (): number | Promise<number> => {
        if (pipe.readers === 0) return Errno.EPIPE;
        if (pipe.buf.length < 65536) {
          const n = Math.min(buf.length, 65536 - pipe.buf.length);
          for (let i = 0; i < n; i++) pipe.buf.push(buf[i]!);
          pipe.wake();
          return n;
        }
        return new Promise<void>((r) => pipe.waiters.push(r)).then(attempt);
      };
      return attempt();
    },
    lseek(fd, off, whence) {
      const e = p.fds.get(fd);
      if (!e) return Errno.EBADF;
      const f = e.file;
      if (f.kind !== "file") return Errno.ESPIPE;
      const n = k.nodes.get(f.path) as Node & { kind: "file" };
      const base = whence === 0 ? 0 : whence === 1 ? f.pos : n.data.length;
      f.pos = base + off;
      return f.pos;
    },
    fcntl(fd, cmd, arg) {
      const e = p.fds.get(fd);
      if (!e) return Errno.EBADF;
      if (cmd === 1) return e.cloexec ? 1 : 0;
      if (cmd === 2) {
        e.cloexec = ((arg ?? 0) & 1) === 1;
        return 0;
      }
      if (cmd === 0 || cmd === 1030) {
        let nfd = arg ?? 0;
        while (p.fds.has(nfd)) nfd++;
        e.file.refs++;
        p.fds.set(nfd, { file: e.file, cloexec: cmd === 1030 });
        return nfd;
      }
      return Errno.EINVAL;
    },
    dup3(fd, newfd, flags) {
      const e = p.fds.get(fd);
      if (!e) return Errno.EBADF;
      if (fd === newfd) return Errno.EINVAL;
      if (p.fds.has(newfd)) k.closeFd(p, newfd);
      e.file.refs++;
      p.fds.set(newfd, { file: e.file, cloexec: (flags & O.CLOEXEC) !== 0 });
      return newfd;
    },
    pipe2(flags) {
      const pipe = new Pipe();
      pipe.readers = 1;
      pipe.writers = 1;
      const r = install({ kind: "pr", pipe, refs: 1, flags: 0 }, flags);
      const w = install({ kind: "pw", pipe, refs: 1, flags: 1 }, flags);
      return [r, w];
    },
    getdents64(fd) {
      const e = p.fds.get(fd);
      if (!e || e.file.kind !== "dir") return Errno.EBADF;
      const f = e.file;
      const prefix = f.path === "/" ? "/" : f.path + "/";
      const names: Dirent[] = [];
      for (const [path, n] of k.nodes) {
        if (path.startsWith(prefix) && path !== "/" && !path.slice(prefix.length).includes("/")) {
          names.push({
            ino: n.ino,
            off: 0,
            type: n.kind === "dir" ? 4 : 8,
            name: path.slice(prefix.length),
          });
        }
      }
      const out = names.slice(f.pos);
      f.pos = names.length;
      return out;
    },
    spawn(opts: SpawnOptions) {
      const fds = new Map<number, Fd>();
      for (const [n, e] of p.fds) {
        e.file.refs++;
        fds.set(n, { ...e });
      }
      for (const a of opts.fileActions ?? []) {
        if (a.op === "dup2") {
          const e = fds.get(a.fd);
          if (!e) return Errno.EBADF;
          if (a.fd === a.newfd) {
            e.cloexec = false;
            continue;
          }
          const old = fds.get(a.newfd);
          if (old) {
            fds.delete(a.newfd);
            k.unref(old.file);
          }
          e.file.refs++;
          fds.set(a.newfd, { file: e.file, cloexec: false });
        } else if (a.op === "close") {
          const old = fds.get(a.fd);
          if (old) {
            fds.delete(a.fd);
            k.unref(old.file);
          }
        }
      }
      for (const [n, e] of [...fds]) {
        if (e.cloexec) {
          fds.delete(n);
          k.unref(e.file);
        }
      }
      const r = k.start(opts.path, opts.argv, opts.env ?? p.env, fds, opts.cwd ?? p.cwd, p.pid);
      if (typeof r === "number") {
        for (const e of fds.values()) k.unref(e.file);
        return r;
      }
      return r.pid;
    },
    async wait4(pid) {
      const child = pid > 0
        ? k.procs.get(pid)
        : [...k.procs.values()].find((c) => c.ppid === p.pid && !c.reaped);
      if (!child || child.ppid !== p.pid || child.reaped) return Errno.ECHILD;
      const code = await child.done;
      child.reaped = true;
      const res: WaitResult = {
        pid: child.pid,
        status: W.exited(code),
        rusage: { utimeUsec: 0, stimeUsec: 0, maxrssKb: 0 },
      };
      return res;
    },
    kill: (pid) => (k.procs.has(pid) ? 0 : Errno.ESRCH),
    poll(fds) {
      const once = () => {
        let n = 0;
        for (const q of fds) {
          const f = p.fds.get(q.fd)?.file;
          let ev = 0;
          if (!f) ev = 32;
          else if (f.kind === "pr") {
            ev = (f.pipe.buf.length > 0 ? 1 : 0) | (f.pipe.writers === 0 ? 16 : 0);
          } else if (f.kind === "pw") {
            ev = f.pipe.readers === 0 ? 8 | 4 : f.pipe.buf.length <= 65536 - 4096 ? 4 : 0;
          } else ev = 5;
          q.revents = ev & (q.events | 8 | 16 | 32);
          if (q.revents) n++;
        }
        return n;
      };
      const attempt = (): number | Promise<number> => {
        const n = once();
        if (n > 0) return n;
        const pipes = fds.map((q) => p.fds.get(q.fd)?.file).filter((f) =>
          f?.kind === "pr" || f?.kind === "pw"
        );
        return Promise.race(
          pipes.map((f) => new Promise<void>((r) => (f as { pipe: Pipe }).pipe.waiters.push(r))),
        ).then(attempt);
      };
      return attempt();
    },
  };
  function install(file: File, flags: number): number {
    let fd = 0;
    while (p.fds.has(fd)) fd++;
    p.fds.set(fd, { file, cloexec: (flags & O.CLOEXEC) !== 0 });
    return fd;
  }
  return new Proxy(sys, {
    get(target, prop: string) {
      const v = target[prop as keyof Syscalls];
      if (v !== undefined) return v;
      return () => Errno.ENOSYS;
    },
  }) as Syscalls;
}

const te = new TextEncoder();

async function writeAll(sys: Syscalls, fd: number, text: string): Promise<void> {
  let bytes = te.encode(text);
  while (bytes.length > 0) {
    const n = await sys.write(fd, bytes);
    if (n <= 0) return;
    bytes = bytes.subarray(n);
  }
}

/** `cat [file…]` for tests. */
export const testCat: BuiltinMain = async (sys, argv) => {
  const files = argv.length > 1 ? argv.slice(1) : ["-"];
  const buf = new Uint8Array(4096);
  for (const f of files) {
    const fd = f === "-" ? 0 : await sys.openat(-100, f, 0, 0);
    if (fd < 0) {
      await writeAll(sys, 2, `cat: ${f}: No such file or directory\n`);
      return 1;
    }
    for (;;) {
      const n = await sys.read(fd, buf);
      if (n <= 0) break;
      const w = await sys.write(1, buf.slice(0, n));
      if (w < 0) return 1;
    }
  }
  return 0;
};

/** `seq [first] last` for tests. */
export const testSeq: BuiltinMain = async (sys, argv) => {
  const nums = argv.slice(1).map(Number);
  const [first, last] = nums.length === 1 ? [1, nums[0]!] : [nums[0]!, nums[1]!];
  let out = "";
  for (let i = first; i <= last; i++) out += i + "\n";
  await writeAll(sys, 1, out);
  return 0;
};

/** `wc -l` for tests. */
export const testWcL: BuiltinMain = async (sys) => {
  const buf = new Uint8Array(4096);
  let lines = 0;
  for (;;) {
    const n = await sys.read(0, buf);
    if (n <= 0) break;
    for (let i = 0; i < n; i++) if (buf[i] === 10) lines++;
  }
  await writeAll(sys, 1, `${lines}\n`);
  return 0;
};

/** What a test run of the shell printed and returned. */
export interface ShellRun {
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
  /** Exit status. */
  status: number;
  /** The machine, to inspect files. */
  kernel: FakeKernel;
}

/**
 * Runs `sh -c script` (or `sh ARGS` when `argv` is given) on a fresh fake machine with
 * `cat`, `seq` and `wc` installed.
 *
 * @param sh The shell program.
 * @param script Script for `-c`.
 * @param opts Files, stdin, argv.
 * @returns Output and status.
 */
export async function runShell(
  sh: BuiltinMain,
  script: string,
  opts: { files?: Record<string, string>; stdin?: string; argv?: string[]; tty?: boolean } = {},
): Promise<ShellRun> {
  const k = new FakeKernel();
  k.addProgram("sh", sh);
  k.addProgram("cat", testCat);
  k.addProgram("seq", testSeq);
  k.addProgram("wc", testWcL);
  k.addProgram("head", testHead);
  k.mkdirs("/tmp");
  k.tty = opts.tty ?? false;
  for (const [path, text] of Object.entries(opts.files ?? {})) {
    k.addFile(path, text, text.startsWith("#!") ? 0o755 : 0o644);
  }
  const status = await k.run(opts.argv ?? ["sh", "-c", script], opts.stdin ?? "");
  return { stdout: k.out(), stderr: k.err(), status, kernel: k };
}

/** `head -n N` (default 10) for tests: stops reading after N lines. */
export const testHead: BuiltinMain = async (sys, argv) => {
  const n = argv[1] === "-n" ? Number(argv[2]) : 10;
  const buf = new Uint8Array(1);
  let lines = 0;
  let out = "";
  while (lines < n) {
    const r = await sys.read(0, buf);
    if (r <= 0) break;
    out += String.fromCharCode(buf[0]!);
    if (buf[0] === 10) lines++;
  }
  await writeAll(sys, 1, out);
  return 0;
};
