/**
 * The two caches in front of the instrumenter: instrumented bytes on disk, keyed by the
 * original module's sha256 and {@link INSTRUMENTER_VERSION}, and compiled
 * `WebAssembly.Module`s in memory (a bounded LRU), so that the second start of a
 * program neither instruments nor compiles.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import {
  initialMemoryBytes,
  INSTRUMENTER_VERSION,
  instrumentModule,
} from "./instrument/instrument.ts";

/** Options of {@link ModuleCache}. */
export interface ModuleCacheOptions {
  /** Directory for instrumented modules (e.g. `$BERTH_ROOT/cache/wasi`); none = memory only. */
  cacheDir?: string;
  /** Compiled modules kept in memory. Default 64. */
  maxModules?: number;
}

/** Counters, for tests and `berth info`. */
export interface ModuleCacheStats {
  /** Compiled module found in memory. */
  memoryHits: number;
  /** Instrumented bytes found on disk. */
  diskHits: number;
  /** Modules instrumented. */
  instrumented: number;
}

/**
 * Instrumented, compiled modules by content.
 *
 * @example
 * ```ts ignore
 * const cache = new ModuleCache({ cacheDir: "/var/lib/berth/cache/wasi" });
 * const module = await cache.load(bytes); // instrumented + compiled once per digest
 * ```
 */
export class ModuleCache {
  readonly #dir: string | undefined;
  readonly #max: number;
  readonly #modules = new Map<string, WebAssembly.Module>();
  readonly #memory = new WeakMap<WebAssembly.Module, number>();
  readonly #loading = new Map<string, Promise<WebAssembly.Module>>();
  /** Counters. */
  readonly stats: ModuleCacheStats = { memoryHits: 0, diskHits: 0, instrumented: 0 };

  /**
   * An empty cache.
   *
   * @param options where to keep instrumented bytes and how many modules to keep compiled
   */
  constructor(options: ModuleCacheOptions = {}) {
    this.#dir = options.cacheDir ? `${options.cacheDir}/v${INSTRUMENTER_VERSION}` : undefined;
    this.#max = Math.max(1, options.maxModules ?? 64);
    if (this.#dir) mkdirSync(this.#dir, { recursive: true });
  }

  /**
   * The instrumented, compiled module for these original bytes.
   *
   * @param bytes the original wasm module
   * @returns the compiled instrumented module
   * @throws {WasmFormatError} when the bytes cannot be instrumented
   * @throws {WebAssembly.CompileError} when they do not compile
   */
  load(bytes: Uint8Array): Promise<WebAssembly.Module> {
    const key = createHash("sha256").update(bytes).digest("hex");
    const hit = this.#modules.get(key);
    if (hit) {
      this.stats.memoryHits++;
      this.#modules.delete(key);
      this.#modules.set(key, hit);
      return Promise.resolve(hit);
    }
    let loading = this.#loading.get(key);
    if (!loading) {
      loading = this.#compile(key, bytes).finally(() => this.#loading.delete(key));
      this.#loading.set(key, loading);
    }
    return loading;
  }

  /** Synchronous lookup of an already compiled module (the exec fast path). */
  peek(bytes: Uint8Array): WebAssembly.Module | undefined {
    const key = createHash("sha256").update(bytes).digest("hex");
    const hit = this.#modules.get(key);
    if (hit) this.stats.memoryHits++;
    return hit;
  }

  /**
   * Initial linear memory of a module this cache compiled: what instantiating it will
   * allocate, to charge before instantiation.
   *
   * @param module a module returned by {@link load} or {@link peek}
   * @returns bytes, or undefined for a module from elsewhere
   */
  initialMemory(module: WebAssembly.Module): number | undefined {
    return this.#memory.get(module);
  }

  async #compile(key: string, bytes: Uint8Array): Promise<WebAssembly.Module> {
    const instrumented = this.#readDisk(key) ?? this.#instrument(key, bytes);
    const module = await WebAssembly.compile(instrumented);
    this.#memory.set(module, initialMemoryBytes(instrumented));
    this.#modules.set(key, module);
    while (this.#modules.size > this.#max) {
      const oldest = this.#modules.keys().next().value;
      if (oldest === undefined) break;
      this.#modules.delete(oldest);
    }
    return module;
  }

  #readDisk(key: string): Uint8Array<ArrayBuffer> | undefined {
    if (!this.#dir) return undefined;
    try {
      const data = new Uint8Array(readFileSync(`${this.#dir}/${key}.wasm`));
      this.stats.diskHits++;
      return data;
    } catch {
      return undefined;
    }
  }

  #instrument(key: string, bytes: Uint8Array): Uint8Array<ArrayBuffer> {
    const out = instrumentModule(bytes).bytes;
    this.stats.instrumented++;
    if (this.#dir) {
      const tmp = `${this.#dir}/.${key}.${crypto.randomUUID()}.tmp`;
      writeFileSync(tmp, out);
      renameSync(tmp, `${this.#dir}/${key}.wasm`);
    }
    return out;
  }
}
