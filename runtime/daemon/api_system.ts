/**
 * System endpoints: `/_ping`, `/version`, `/info`, `/events`, and Berth's own
 * `POST /_berth/shutdown` (used by `berth system shutdown`).
 *
 * @module
 */
import type { Daemon } from "./daemon.ts";
import type { DaemonEvent } from "./events.ts";
import { MAX_API_VERSION, MIN_API_VERSION, type Router } from "./router.ts";

/** The Berth version the daemon reports. */
export const BERTH_VERSION = "0.1.0";

/** Counts `/info` reports, filled in by the container and image services. */
export interface InfoCounts {
  /** All containers. */
  Containers: number;
  /** Running. */
  ContainersRunning: number;
  /** Paused. */
  ContainersPaused: number;
  /** Stopped. */
  ContainersStopped: number;
  /** Images. */
  Images: number;
}

/** Providers of the numbers in `/info`, set by the services the daemon hosts. */
export const infoProviders: { counts: Array<() => Promise<Partial<InfoCounts>>> } = {
  counts: [],
};

/**
 * Parse Docker's time arguments: RFC 3339, Unix seconds (with fractions), or a
 * duration back from now ("10m", "1h30m", "42s").
 *
 * @param text The argument.
 * @param now The present (ms).
 * @returns Milliseconds since the epoch, or undefined if unparseable.
 * @example
 * ```ts
 * import { parseTimeArg } from "./api_system.ts";
 * console.assert(parseTimeArg("10s", 20_000) === 10_000);
 * ```
 */
export function parseTimeArg(text: string, now: number = Date.now()): number | undefined {
  if (text === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const dur = /^((?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+)$/.exec(text);
  if (dur) {
    let ms = 0;
    for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) {
      const n = Number(m[1]);
      const unit = m[2];
      ms += unit === "h"
        ? n * 3_600_000
        : unit === "m"
        ? n * 60_000
        : unit === "s"
        ? n * 1000
        : unit === "ms"
        ? n
        : unit === "ns"
        ? n / 1e6
        : n / 1e3;
    }
    return now - ms;
  }
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t;
}

/**
 * Register the system routes.
 *
 * @param router The router.
 * @param daemon The daemon.
 * @example
 * ```ts ignore
 * registerSystemRoutes(router, daemon);
 * ```
 */
export function registerSystemRoutes(router: Router, daemon: Daemon): void {
  const ping = async (_req: unknown, res: Parameters<Parameters<Router["add"]>[2]>[1]) => {
    await res.send(200, "OK", "text/plain; charset=utf-8", {
      "Builder-Version": "1",
      "Cache-Control": "no-cache, no-store, must-revalidate",
      "Pragma": "no-cache",
      "Swarm": "inactive",
    });
  };
  router.add("GET", "/_ping", ping);
  router.add("HEAD", "/_ping", ping);

  router.add("GET", "/version", async (_req, res) => {
    await res.json(200, versionInfo());
  });

  router.add("GET", "/info", async (_req, res) => {
    const counts: InfoCounts = {
      Containers: 0,
      ContainersRunning: 0,
      ContainersPaused: 0,
      ContainersStopped: 0,
      Images: 0,
    };
    for (const p of infoProviders.counts) Object.assign(counts, await p());
    await res.json(200, {
      ID: "berth",
      ...counts,
      Driver: "overlay (emulated kernel)",
      DriverStatus: [["Backing Filesystem", "indexed tar layers"]],
      Plugins: { Volume: ["local"], Network: ["none"], Authorization: null, Log: ["json-file"] },
      MemoryLimit: true,
      SwapLimit: false,
      CpuCfsPeriod: true,
      CpuCfsQuota: true,
      CPUShares: true,
      PidsLimit: true,
      IPv4Forwarding: false,
      Debug: false,
      NFd: 0,
      NGoroutines: 0,
      SystemTime: new Date().toISOString(),
      LoggingDriver: "json-file",
      CgroupDriver: "berth",
      CgroupVersion: "2",
      NEventsListener: 0,
      KernelVersion: "berth-emulated",
      OperatingSystem: "Berth (emulated kernel)",
      OSVersion: BERTH_VERSION,
      OSType: "linux",
      Architecture: Deno.build.arch,
      NCPU: 1,
      MemTotal: Deno.systemMemoryInfo().total,
      DockerRootDir: daemon.root,
      Name: "berth",
      Labels: [],
      ExperimentalBuild: false,
      ServerVersion: BERTH_VERSION,
      Runtimes: { berth: { path: "berth" } },
      DefaultRuntime: "berth",
      Swarm: { LocalNodeState: "inactive", NodeID: "", NodeAddr: "", ControlAvailable: false },
      LiveRestoreEnabled: false,
      Isolation: "",
      InitBinary: "",
      SecurityOptions: ["name=emulated-kernel"],
      Warnings: ["Berth has no networking: containers have no network interfaces"],
    });
  });

  router.add("GET", "/events", async (req, res) => {
    const since = parseTimeArg(req.query.get("since") ?? "");
    const until = parseTimeArg(req.query.get("until") ?? "");
    const filters = parseFilters(req.query.get("filters"));
    const matches = (e: DaemonEvent) => eventMatches(e, filters);
    const w = await res.stream(200, "application/json");
    const send = (e: DaemonEvent) => w.write(JSON.stringify(e) + "\n");
    if (since !== undefined) {
      for (const e of daemon.events.since(since)) {
        if (until !== undefined && e.timeNano / 1e6 > until) break;
        if (matches(e)) await send(e);
      }
    }
    if (until !== undefined && until <= Date.now()) {
      await w.close();
      return;
    }
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    const off = daemon.events.subscribe((e) => {
      if (matches(e)) {
        send(e).then((ok) => {
          if (!ok) done();
        });
      }
    });
    const timer = until !== undefined ? setTimeout(done, until - Date.now()) : undefined;
    await Promise.race([finished, w.closed, daemon.stopped]);
    off();
    if (timer !== undefined) clearTimeout(timer);
    await w.close();
  });

  router.add("POST", "/_berth/shutdown", async (_req, res) => {
    await res.json(200, { message: "shutting down" });
    setTimeout(() => daemon.stop(), 10);
  });
}

/**
 * The `/version` body.
 *
 * @returns Docker's version object for Berth.
 * @example
 * ```ts
 * import { versionInfo } from "./api_system.ts";
 * console.assert(versionInfo().ApiVersion === "1.47");
 * ```
 */
export function versionInfo(): Record<string, unknown> {
  return {
    Platform: { Name: "Berth" },
    Components: [{
      Name: "Engine",
      Version: BERTH_VERSION,
      Details: {
        ApiVersion: MAX_API_VERSION,
        MinAPIVersion: MIN_API_VERSION,
        GitCommit: "berth",
        GoVersion: `deno${Deno.version.deno}`,
        Os: "linux",
        Arch: goArch(),
        BuildTime: "2026-11-25T00:00:00.000000000+00:00",
        KernelVersion: "berth-emulated",
        Experimental: "false",
        Deno: Deno.version.deno,
      },
    }],
    Version: BERTH_VERSION,
    ApiVersion: MAX_API_VERSION,
    MinAPIVersion: MIN_API_VERSION,
    GitCommit: "berth",
    GoVersion: `deno${Deno.version.deno}`,
    Os: "linux",
    Arch: goArch(),
    KernelVersion: "berth-emulated",
    BuildTime: "2026-11-25T00:00:00.000000000+00:00",
  };
}

/**
 * Parse Docker's `filters` query parameter: `{"status":["running"]}` or the legacy
 * `{"status":{"running":true}}`.
 *
 * @param text The JSON text, or null.
 * @returns Values by filter name.
 * @example
 * ```ts
 * import { parseFilters } from "./api_system.ts";
 * console.assert(parseFilters('{"a":{"x":true}}').a?.[0] === "x");
 * ```
 */
export function parseFilters(text: string | null): Record<string, string[]> {
  if (!text) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw Object.assign(new Error(`invalid filter '${text}'`), { httpStatus: 400 });
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw Object.assign(new Error(`invalid filter '${text}'`), { httpStatus: 400 });
  }
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (Array.isArray(v)) out[k] = v.map(String);
    else if (v && typeof v === "object") out[k] = Object.keys(v);
    else out[k] = [String(v)];
  }
  return out;
}

function eventMatches(e: DaemonEvent, filters: Record<string, string[]>): boolean {
  for (const [key, values] of Object.entries(filters)) {
    if (values.length === 0) continue;
    const ok = values.some((v) => {
      switch (key) {
        case "type":
          return e.Type === v;
        case "event":
          return e.Action === v || e.Action.startsWith(`${v}:`);
        case "container":
        case "image":
          return (e.Type === key || key === "image") &&
            (e.Actor.ID.startsWith(v) || e.Actor.Attributes.name === v ||
              e.Actor.Attributes.image === v);
        case "label": {
          const [lk, lv] = v.split("=");
          return lk !== undefined &&
            (lv === undefined ? lk in e.Actor.Attributes : e.Actor.Attributes[lk] === lv);
        }
        default:
          return true;
      }
    });
    if (!ok) return false;
  }
  return true;
}

function goArch(): string {
  const a = Deno.build.arch as string;
  return a === "x86_64" ? "amd64" : a === "aarch64" ? "arm64" : a;
}
