/**
 * The shell's virtual file-descriptor table: logical fds 0–9 as scripts see them,
 * mapped to the real fds of the shell's process. Files and pipes the shell opens are
 * moved to real fds >= 10 with close-on-exec and reference-counted, so in-process
 * subshells can share them and they close when the last user is done. Spawned commands
 * get the logical layout through `dup2` file actions.
 *
 * @module
 */
import type { SpawnFileAction, Syscalls } from "../../kernel/syscalls/api.ts";
import { type HeapMeter, textBytes } from "../_heap.ts";
import { ShellError } from "./state.ts";

/** Reference counts of the real fds the shell opened. */
export type RealFds = Map<number, number>;

/**
 * A descriptor backed by memory instead of a kernel object: the output of a command
 * substitution being captured ("out"), or text to be read (a here-document, the output
 * of an earlier part of a pipeline: "in"). The kernel runs one thread per process, so
 * the shell never has two of its own tasks blocked in the kernel at once; memory files
 * let in-process parts run one after the other.
 */
export class MemFile {
  /** Whether the file is read from or written to. */
  readonly mode: "in" | "out";
  /** The text. */
  text: string;
  /** Read position in `text` ("in"). */
  pos = 0;
  /** Declares the captured text to the kernel ("out" with a meter; see `_heap.ts`). */
  readonly #heap: HeapMeter | undefined;
  /**
   * @param mode "in" or "out".
   * @param text Initial text.
   * @param heap For a capture: the meter its growth is declared with, so that `$(yes)`
   *   meets the container's memory.max instead of growing the daemon.
   */
  constructor(mode: "in" | "out", text = "", heap?: HeapMeter) {
    this.mode = mode;
    this.text = text;
    this.#heap = heap;
  }
  /**
   * Append written text.
   *
   * @param text The text.
   * @throws ShellError when the kernel refuses the memory.
   */
  append(text: string): void {
    if (this.#heap && !this.#heap.hold(textBytes(text))) {
      throw new ShellError("cannot allocate memory");
    }
    this.text += text;
  }
  /**
   * The captured text, giving back its declaration (the capture is done with).
   *
   * @returns The text.
   */
  take(): string {
    this.#heap?.close();
    return this.text;
  }
  /** Text not read yet. */
  rest(): string {
    return this.text.slice(this.pos);
  }
}

/** What a logical fd refers to. */
export type FdRef = number | MemFile;

const F_GETFD = 1;
const F_DUPFD_CLOEXEC = 1030;
const TEMP_BASE = 200;

/**
 * A logical-to-real fd map.
 *
 * @example
 * ```ts ignore
 * const t = new FdTable(new Map());
 * t.inheritFrom(sys);
 * t.get(1); // 1
 * ```
 */
export class FdTable {
  #map = new Map<number, FdRef>();
  #real: RealFds;
  #sys: Syscalls | undefined;
  /** Logical fds open in the process when the shell started. */
  inherited: Set<number> = new Set();

  /**
   * @param real Shared reference counts.
   */
  constructor(real: RealFds) {
    this.#real = real;
  }

  /** Maps the fds 0–9 that are open in the process to themselves. */
  inheritFrom(sys: Syscalls): void {
    this.#sys = sys;
    for (let fd = 0; fd < 10; fd++) {
      if (sys.fcntl(fd, F_GETFD) >= 0) {
        this.#map.set(fd, fd);
        this.inherited.add(fd);
      }
    }
  }

  /**
   * Takes ownership of freshly opened real fds: moves them to >= 10 with close-on-exec.
   *
   * @param sys System calls.
   * @param fds Real fds just returned by `openat`/`pipe2`.
   * @returns The fds now owned (reference count 1 each).
   */
  adopt(sys: Syscalls, fds: number[]): number[] {
    this.#sys = sys;
    return fds.map((fd) => {
      let real = fd;
      if (fd < 10) {
        const moved = sys.fcntl(fd, F_DUPFD_CLOEXEC, 10);
        if (moved >= 0) {
          sys.close(fd);
          real = moved;
        }
      } else sys.fcntl(fd, 2, 1); // F_SETFD FD_CLOEXEC
      this.#real.set(real, 1);
      return real;
    });
  }

  /** What a logical fd refers to. */
  get(fd: number): FdRef | undefined {
    return this.#map.get(fd);
  }

  /** The real fd behind a logical one (undefined when closed or in memory). */
  getReal(fd: number): number | undefined {
    const r = this.#map.get(fd);
    return typeof r === "number" ? r : undefined;
  }

  /** Points logical `fd` at `real` (taking a reference). */
  set(fd: number, real: FdRef): void {
    this.retain(real);
    const old = this.#map.get(fd);
    this.#map.set(fd, real);
    if (old !== undefined) this.release(old);
  }

  /** Closes logical `fd`. */
  close(fd: number): void {
    const old = this.#map.get(fd);
    if (old === undefined) return;
    this.#map.delete(fd);
    this.release(old);
  }

  /** A copy sharing the real fds (each gets a reference). */
  copy(): FdTable {
    const t = new FdTable(this.#real);
    t.#sys = this.#sys;
    t.inherited = this.inherited;
    for (const [l, r] of this.#map) {
      t.#map.set(l, r);
      this.retain(r);
    }
    return t;
  }

  /** Drops every mapping (at the end of a subshell or redirection scope). */
  releaseAll(): void {
    const reals = [...this.#map.values()];
    this.#map.clear();
    for (const r of reals) this.release(r);
  }

  /** Takes a reference on a real fd the shell owns. */
  retain(real: FdRef): void {
    if (typeof real !== "number") return;
    const n = this.#real.get(real);
    if (n !== undefined) this.#real.set(real, n + 1);
  }

  /** Drops a reference; closes the real fd at zero. */
  release(real: FdRef): void {
    if (typeof real !== "number") return;
    const n = this.#real.get(real);
    if (n === undefined) return;
    if (n <= 1) {
      this.#real.delete(real);
      this.#sys?.close(real);
    } else this.#real.set(real, n - 1);
  }

  /** The lowest logical fd >= `min` that is free. */
  free(min: number): number {
    let fd = min;
    while (this.#map.has(fd)) fd++;
    return fd;
  }

  /** The mappings, logical → real or memory. */
  entries(): IterableIterator<[number, FdRef]> {
    return this.#map.entries();
  }

  /**
   * File actions that give a spawned command this logical layout. Memory files must
   * have been replaced by pipes first (see `spawn_io.ts`); any left are closed.
   *
   * @returns `dup2`/`close` actions for `spawn`.
   */
  spawnActions(): SpawnFileAction[] {
    const actions: SpawnFileAction[] = [];
    const src = new Map<number, number>();
    const temps: number[] = [];
    for (const [l, r] of this.#map) {
      if (typeof r !== "number") continue;
      if (r < 10 && (r !== l || this.#real.has(r))) {
        const t = TEMP_BASE + l;
        actions.push({ op: "dup2", fd: r, newfd: t });
        temps.push(t);
        src.set(l, t);
      } else src.set(l, r);
    }
    for (const [l, s] of src) if (s !== l) actions.push({ op: "dup2", fd: s, newfd: l });
    for (const t of temps) actions.push({ op: "close", fd: t });
    for (const l of this.inherited) {
      if (typeof this.#map.get(l) !== "number") actions.push({ op: "close", fd: l });
    }
    return actions;
  }
}
