/**
 * The state of one build stage between steps (the image so far, the ARGs in scope, the
 * cache key of the chain) and the instructions that only change metadata: `ENV`,
 * `LABEL`, `ARG`, `USER`, `EXPOSE`, `VOLUME`, `CMD`, `ENTRYPOINT`, `SHELL`,
 * `STOPSIGNAL`, `HEALTHCHECK`, `ONBUILD`, `MAINTAINER`. Those make no layer: they are
 * recorded in history with `empty_layer`, as Docker does.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { ContainerConfig, HistoryEntry, ImageConfig } from "../store/media_types.ts";
import type { ImageLayer } from "../store/store.ts";
import type { CommandForm, Instruction } from "./instructions.ts";
import { expandWord, expandWords, ExpansionError } from "./shell_lex.ts";

/** Docker's health check config (durations in nanoseconds). */
export interface HealthConfig {
  /** `["NONE"]`, `["CMD", …]` or `["CMD-SHELL", text]`. */
  Test: string[];
  /** Interval. */
  Interval?: number;
  /** Timeout. */
  Timeout?: number;
  /** Start period. */
  StartPeriod?: number;
  /** Start interval. */
  StartInterval?: number;
  /** Retries. */
  Retries?: number;
}

/** The container config as the builder writes it: Docker's fields beyond the store's. */
export interface BuildContainerConfig extends ContainerConfig {
  /** Health check. */
  Healthcheck?: HealthConfig;
  /** ONBUILD triggers. */
  OnBuild?: string[] | null;
  /** SHELL. */
  Shell?: string[];
}

/** An image config whose `config` has the builder's fields. */
export interface BuildImageConfig extends ImageConfig {
  /** Runtime defaults. */
  config?: BuildContainerConfig;
}

/** The default `SHELL`. */
export const DEFAULT_SHELL: readonly string[] = ["/bin/sh", "-c"];

/** Build args that are always allowed and never recorded (Docker's predefined ARGs). */
export const PROXY_ARGS: readonly string[] = [
  "HTTP_PROXY",
  "http_proxy",
  "HTTPS_PROXY",
  "https_proxy",
  "FTP_PROXY",
  "ftp_proxy",
  "NO_PROXY",
  "no_proxy",
  "ALL_PROXY",
  "all_proxy",
];

/** A failure attributable to one Dockerfile instruction. */
export class BuildStepError extends Error {
  /** Line of the instruction. */
  readonly line: number;
  /**
   * Make the error.
   *
   * @param file Dockerfile name.
   * @param line Line of the instruction.
   * @param message What went wrong.
   */
  constructor(file: string, line: number, message: string) {
    super(`${file}:${line}: ${message}`);
    this.name = "BuildStepError";
    this.line = line;
  }
}

/** One stage being built. */
export interface StageState {
  /** The image so far. */
  config: BuildImageConfig;
  /** Its layers, lowest first. */
  layers: ImageLayer[];
  /** ARGs in scope (declared in this stage): name → value (undefined: declared, no value). */
  args: Map<string, string | undefined>;
  /** Cache key of the chain so far. */
  key: string;
  /** Time of the newest history entry (metadata steps reuse it, so a cached rebuild is identical). */
  created: string;
  /** Whether CMD was set in this stage (ENTRYPOINT resets an inherited CMD only). */
  cmdSetHere: boolean;
}

/**
 * sha256 hex of text parts joined by newlines (cache keys).
 *
 * @param parts Texts.
 * @returns 64 hex characters.
 * @example
 * ```ts
 * import { chainKey } from "./stage_state.ts";
 * console.assert(chainKey("a", "b") !== chainKey("a\nb", ""));
 * ```
 */
export function chainKey(...parts: string[]): string {
  const h = createHash("sha256");
  for (const p of parts) h.update(String(p.length)).update(":").update(p).update("\n");
  return h.digest("hex");
}

/**
 * The variables an instruction's arguments are expanded with: ARGs in scope, then ENV
 * (ENV wins, as in Docker).
 *
 * @param state The stage.
 * @returns Name → value.
 */
export function expansionEnv(state: StageState): Map<string, string> {
  const env = new Map<string, string>();
  for (const [k, v] of state.args) if (v !== undefined) env.set(k, v);
  for (const kv of state.config.config?.Env ?? []) {
    const eq = kv.indexOf("=");
    if (eq > 0) env.set(kv.slice(0, eq), kv.slice(eq + 1));
  }
  return env;
}

/**
 * Set `KEY=value` in an env list, replacing an existing key in place.
 *
 * @param env The list.
 * @param key Name.
 * @param value Value.
 * @returns A new list.
 * @example
 * ```ts
 * import { setEnv } from "./stage_state.ts";
 * console.assert(setEnv(["A=1", "B=2"], "A", "3").join() === "A=3,B=2");
 * ```
 */
export function setEnv(env: readonly string[], key: string, value: string): string[] {
  const out = [...env];
  const i = out.findIndex((kv) => kv.startsWith(key + "="));
  if (i >= 0) out[i] = `${key}=${value}`;
  else out.push(`${key}=${value}`);
  return out;
}

/**
 * A command as an argv: exec form as is, shell form through the stage's `SHELL`.
 *
 * @param form The command.
 * @param shell The stage's shell.
 * @returns The argv.
 */
export function commandArgv(form: CommandForm, shell: readonly string[]): string[] {
  return form.form === "exec" ? [...form.argv] : [...shell, form.text];
}

/**
 * Append a history entry and advance the chain key.
 *
 * @param state The stage (changed in place).
 * @param createdBy The history text.
 * @param emptyLayer Whether the step made no layer.
 * @param keyInput What the step's cache key is made of.
 */
export function recordStep(
  state: StageState,
  createdBy: string,
  emptyLayer: boolean,
  keyInput: string,
): void {
  const entry: HistoryEntry = { created: state.created, created_by: createdBy };
  if (emptyLayer) entry.empty_layer = true;
  state.config.history = [...(state.config.history ?? []), entry];
  state.key = chainKey(state.key, keyInput);
}

const SIGNALS = [
  "HUP",
  "INT",
  "QUIT",
  "ILL",
  "TRAP",
  "ABRT",
  "BUS",
  "FPE",
  "KILL",
  "USR1",
  "SEGV",
  "USR2",
  "PIPE",
  "ALRM",
  "TERM",
  "STKFLT",
  "CHLD",
  "CONT",
  "STOP",
  "TSTP",
  "TTIN",
  "TTOU",
  "URG",
  "XCPU",
  "XFSZ",
  "VTALRM",
  "PROF",
  "WINCH",
  "IO",
  "PWR",
  "SYS",
];

function validSignal(s: string): boolean {
  if (/^\d+$/.test(s)) return Number(s) > 0 && Number(s) < 65;
  const name = s.toUpperCase().replace(/^SIG/, "");
  return SIGNALS.includes(name) || /^RTM(IN|AX)([+-]\d+)?$/.test(name);
}

function expandPorts(words: string[], fail: (m: string) => never): string[] {
  const out: string[] = [];
  for (const w of words) {
    const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(w);
    if (!m) fail(`invalid containerPort: ${w}`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (lo < 1 || hi > 65535 || hi < lo) fail(`invalid port range: ${w}`);
    for (let p = lo; p <= hi; p++) out.push(`${p}/${(m[3] ?? "tcp").toLowerCase()}`);
  }
  return out;
}

/** Context for applying one metadata instruction. */
export interface MetadataContext {
  /** Dockerfile name for errors. */
  file: string;
  /** Escape character. */
  escape: string;
  /** Values given with --build-arg. */
  buildArgs: ReadonlyMap<string, string>;
  /** Global ARG values (declared before the first FROM). */
  globalArgs: ReadonlyMap<string, string | undefined>;
  /** Build args consumed so far (for the "not consumed" warning). */
  consumed: Set<string>;
  /** Told about each unset variable an instruction used without a default (UndefinedVar). */
  onUndefined?: (names: Set<string>, line: number, env: ReadonlyMap<string, string>) => void;
}

/**
 * Apply a metadata-only instruction to a stage (no layer). Returns false for
 * instructions that are not metadata (RUN, COPY, ADD, WORKDIR, FROM).
 *
 * @param state The stage (changed in place).
 * @param ins The instruction.
 * @param ctx Expansion context.
 * @returns Whether the instruction was applied.
 * @throws {BuildStepError} for invalid values (port, signal, empty volume, bad expansion).
 */
export function applyMetadata(state: StageState, ins: Instruction, ctx: MetadataContext): boolean {
  const fail = (message: string): never => {
    throw new BuildStepError(ctx.file, ins.line, message);
  };
  const env = expansionEnv(state);
  const unmatched = new Set<string>();
  const word = (w: string) => {
    try {
      return expandWord(w, env, ctx.escape, unmatched);
    } catch (e) {
      if (e instanceof ExpansionError) fail(e.message);
      throw e;
    }
  };
  const words = (w: string) => {
    try {
      return expandWords(w, env, ctx.escape, unmatched);
    } catch (e) {
      if (e instanceof ExpansionError) fail(e.message);
      throw e;
    }
  };
  const cfg: BuildContainerConfig = { ...(state.config.config ?? {}) };
  const shell = cfg.Shell ?? DEFAULT_SHELL;
  let createdBy: string;
  switch (ins.kind) {
    case "env": {
      let list = cfg.Env ?? [];
      const parts: string[] = [];
      for (const { key, value } of ins.pairs) {
        const k = word(key);
        const v = word(value);
        list = setEnv(list, k, v);
        parts.push(`${k}=${v}`);
      }
      cfg.Env = list;
      createdBy = `ENV ${parts.join(" ")}`;
      break;
    }
    case "label": {
      const labels = { ...(cfg.Labels ?? {}) };
      const parts: string[] = [];
      for (const { key, value } of ins.pairs) {
        const k = word(key);
        const v = word(value);
        labels[k] = v;
        parts.push(`${k}=${v}`);
      }
      cfg.Labels = labels;
      createdBy = `LABEL ${parts.join(" ")}`;
      break;
    }
    case "arg": {
      const parts: string[] = [];
      for (const a of ins.args) {
        let value: string | undefined;
        if (ctx.buildArgs.has(a.name)) {
          value = ctx.buildArgs.get(a.name);
          ctx.consumed.add(a.name);
        } else if (a.defaultValue !== undefined) {
          value = word(a.defaultValue);
        } else if (ctx.globalArgs.has(a.name)) {
          value = ctx.globalArgs.get(a.name);
        }
        state.args.set(a.name, value);
        const hidden = value === undefined || PROXY_ARGS.includes(a.name);
        parts.push(hidden ? a.name : `${a.name}=${value}`);
      }
      createdBy = `ARG ${parts.join(" ")}`;
      break;
    }
    case "user":
      cfg.User = word(ins.value);
      createdBy = `USER ${cfg.User}`;
      break;
    case "maintainer":
      state.config.author = ins.value;
      createdBy = `MAINTAINER ${ins.value}`;
      break;
    case "stopsignal": {
      const sig = word(ins.value);
      if (!validSignal(sig)) fail(`Invalid signal: ${sig}`);
      cfg.StopSignal = sig;
      createdBy = `STOPSIGNAL ${sig}`;
      break;
    }
    case "expose": {
      const ports = expandPorts(ins.values.flatMap((v) => words(v)), fail);
      const exposed = { ...(cfg.ExposedPorts ?? {}) };
      for (const p of ports) exposed[p] = {};
      cfg.ExposedPorts = exposed;
      createdBy = `EXPOSE map[${ports.sort().map((p) => `${p}:{}`).join(" ")}]`;
      break;
    }
    case "volume": {
      const vols = { ...(cfg.Volumes ?? {}) };
      const list: string[] = [];
      for (const raw of ins.values) {
        const v = word(raw).trim();
        if (v === "") fail("VOLUME specified can not be an empty string");
        vols[v] = {};
        list.push(v);
      }
      cfg.Volumes = vols;
      createdBy = `VOLUME [${list.join(" ")}]`;
      break;
    }
    case "cmd":
      cfg.Cmd = commandArgv(ins.command, shell);
      state.cmdSetHere = true;
      createdBy = `CMD ${JSON.stringify(cfg.Cmd)}`;
      break;
    case "entrypoint":
      cfg.Entrypoint = commandArgv(ins.command, shell);
      if (!state.cmdSetHere) cfg.Cmd = null;
      createdBy = `ENTRYPOINT ${JSON.stringify(cfg.Entrypoint)}`;
      break;
    case "shell":
      cfg.Shell = [...ins.argv];
      createdBy = `SHELL ${JSON.stringify(ins.argv)}`;
      break;
    case "healthcheck": {
      if (ins.none || !ins.command) {
        cfg.Healthcheck = { Test: ["NONE"] };
      } else {
        const test = ins.command.form === "exec"
          ? ["CMD", ...ins.command.argv]
          : ["CMD-SHELL", ins.command.text];
        const hc: HealthConfig = { Test: test };
        if (ins.interval !== undefined) hc.Interval = ins.interval;
        if (ins.timeout !== undefined) hc.Timeout = ins.timeout;
        if (ins.startPeriod !== undefined) hc.StartPeriod = ins.startPeriod;
        if (ins.startInterval !== undefined) hc.StartInterval = ins.startInterval;
        if (ins.retries !== undefined) hc.Retries = ins.retries;
        cfg.Healthcheck = hc;
      }
      createdBy = `HEALTHCHECK ${JSON.stringify(cfg.Healthcheck)}`;
      break;
    }
    case "onbuild": {
      cfg.OnBuild = [...(cfg.OnBuild ?? []), ins.trigger];
      createdBy = `ONBUILD ${ins.trigger}`;
      break;
    }
    default:
      return false;
  }
  // Declared ARGs without a value are not "undefined" (BuildKit's rule).
  for (const name of [...unmatched]) if (state.args.has(name)) unmatched.delete(name);
  if (unmatched.size > 0) ctx.onUndefined?.(unmatched, ins.line, env);
  state.config = { ...state.config, config: cfg };
  // ARG values other than proxies are part of the chain: RUN steps see them.
  recordStep(state, createdBy, true, createdBy);
  return true;
}
