/**
 * Container introspection and file-system endpoints: `top`, `stats`, `changes`,
 * `export`, `archive` (GET/HEAD/PUT, as `docker cp` uses them), `POST /commit`, and
 * `GET /system/df`.
 *
 * @module
 */
import type { Store } from "../../image/mod.ts";
import type { ImageConfig } from "../../image/mod.ts";
import type { Container, ContainerEngine } from "../container/container_engine.ts";
import type { Daemon } from "./daemon.ts";
import { imageSize, repoTags } from "./api_images.ts";
import { containerSizes, containerSummary } from "./api_containers.ts";
import { ApiError, queryBool, type Router } from "./router.ts";

/** Docker's stats object for one reading. */
function statsJson(c: Container, prev: { cpuNs: number; sysNs: number } | undefined) {
  const s = c.running?.stats();
  const now = performance.timeOrigin + performance.now();
  const cpuNs = (s?.cpuUsageUsec ?? 0) * 1000;
  const sysNs = Math.round(now * 1e6);
  const memLimit = s?.memoryMax ?? Deno.systemMemoryInfo().total;
  return {
    body: {
      read: new Date(now).toISOString(),
      preread: prev ? new Date(prev.sysNs / 1e6).toISOString() : "0001-01-01T00:00:00Z",
      pids_stats: { current: s?.pidsCurrent ?? 0, limit: s?.pidsMax ?? 0 },
      blkio_stats: {},
      num_procs: 0,
      storage_stats: {},
      cpu_stats: {
        cpu_usage: { total_usage: cpuNs, usage_in_kernelmode: 0, usage_in_usermode: cpuNs },
        system_cpu_usage: sysNs,
        online_cpus: 1,
        throttling_data: {
          periods: s?.nrPeriods ?? 0,
          throttled_periods: s?.nrThrottled ?? 0,
          throttled_time: (s?.throttledUsec ?? 0) * 1000,
        },
      },
      precpu_stats: prev
        ? {
          cpu_usage: {
            total_usage: prev.cpuNs,
            usage_in_kernelmode: 0,
            usage_in_usermode: prev.cpuNs,
          },
          system_cpu_usage: prev.sysNs,
          online_cpus: 1,
          throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
        }
        : { cpu_usage: { total_usage: 0 }, throttling_data: {} },
      memory_stats: s
        ? { usage: s.memoryCurrent, max_usage: s.memoryPeak, limit: memLimit, stats: {} }
        : {},
      name: c.record.Name,
      id: c.record.Id,
      networks: {},
    },
    sample: { cpuNs, sysNs },
  };
}

/** Apply `--change` instructions (CMD, ENTRYPOINT, ENV, WORKDIR, USER, LABEL, EXPOSE, STOPSIGNAL). */
function applyChanges(config: NonNullable<ImageConfig["config"]>, changes: string[]): void {
  const words = (rest: string): string[] => {
    const t = rest.trim();
    if (t.startsWith("[")) {
      try {
        const v = JSON.parse(t);
        if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v;
      } catch { /* shell form */ }
    }
    return ["/bin/sh", "-c", t];
  };
  const pairs = (rest: string): [string, string][] => {
    const t = rest.trim();
    if (!t.includes("=")) {
      const sp = t.indexOf(" ");
      return [[t.slice(0, sp < 0 ? t.length : sp), sp < 0 ? "" : t.slice(sp + 1).trim()]];
    }
    return [...t.matchAll(/([^\s=]+)=("(?:[^"\\]|\\.)*"|\S*)/g)].map((m) => [
      m[1]!,
      m[2]!.startsWith('"') ? JSON.parse(m[2]!) : m[2]!,
    ]);
  };
  for (const change of changes) {
    for (const line of change.split("\n")) {
      const m = /^\s*(\w+)\s+(.*)$/.exec(line);
      if (!m) continue;
      const [, op, rest] = m as unknown as [string, string, string];
      switch (op.toUpperCase()) {
        case "CMD":
          config.Cmd = words(rest);
          break;
        case "ENTRYPOINT":
          config.Entrypoint = words(rest);
          break;
        case "ENV":
          for (const [k, v] of pairs(rest)) {
            config.Env = [...(config.Env ?? []).filter((e) => !e.startsWith(`${k}=`)), `${k}=${v}`];
          }
          break;
        case "LABEL":
          for (const [k, v] of pairs(rest)) config.Labels = { ...(config.Labels ?? {}), [k]: v };
          break;
        case "WORKDIR":
          config.WorkingDir = rest.trim();
          break;
        case "USER":
          config.User = rest.trim();
          break;
        case "STOPSIGNAL":
          config.StopSignal = rest.trim();
          break;
        case "EXPOSE":
          for (const p of rest.trim().split(/\s+/)) {
            config.ExposedPorts = {
              ...(config.ExposedPorts ?? {}),
              [p.includes("/") ? p : `${p}/tcp`]: {},
            };
          }
          break;
        default:
          throw new ApiError(400, `${op} is not a valid change command`);
      }
    }
  }
}

/**
 * Register the routes.
 *
 * @param router The router.
 * @param daemon The daemon (events).
 * @param engine The engine.
 * @param store The image store.
 * @example
 * ```ts ignore
 * registerContainerFsRoutes(router, daemon, engine, store);
 * ```
 */
export function registerContainerFsRoutes(
  router: Router,
  daemon: Daemon,
  engine: ContainerEngine,
  store: Store,
): void {
  router.add("GET", "/containers/{id}/top", async (_req, res, p) => {
    const c = engine.get(p.id!);
    if (!c.running) throw new ApiError(409, `container ${c.record.Id} is not running`);
    const procs = c.running.top();
    await res.json(200, {
      Titles: ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"],
      Processes: procs.map((
        x,
      ) => [x.uid, String(x.pid), String(x.ppid), String(x.c), x.stime, x.tty, x.time, x.cmd]),
    });
  });

  router.add("GET", "/containers/{id}/stats", async (req, res, p) => {
    const c = engine.get(p.id!);
    const stream = queryBool(req.query, "stream", true) && !queryBool(req.query, "one-shot");
    if (!stream) {
      // One reading with a short baseline, so CPU % is meaningful as with --no-stream.
      const first = statsJson(c, undefined);
      await new Promise((r) => setTimeout(r, 100));
      await res.json(200, statsJson(c, first.sample).body);
      return;
    }
    const w = await res.stream(200, "application/json");
    let prev: { cpuNs: number; sysNs: number } | undefined;
    let open = true;
    w.closed.then(() => (open = false));
    while (open) {
      const { body, sample } = statsJson(c, prev);
      prev = sample;
      if (!(await w.write(JSON.stringify(body) + "\n"))) break;
      if (!c.running && c.record.State.Status !== "restarting") break;
      await Promise.race([new Promise((r) => setTimeout(r, 1000)), w.closed]);
    }
    await w.close();
  });

  router.add("GET", "/containers/{id}/changes", async (_req, res, p) => {
    const c = engine.get(p.id!);
    const changes = await engine.runtime.fs.changes(c.record);
    await res.json(200, changes.length > 0 ? changes : null);
  });

  router.add("GET", "/containers/{id}/export", async (_req, res, p) => {
    const c = engine.get(p.id!);
    const tar = await engine.runtime.fs.exportTar(c.record);
    const w = await res.stream(200, "application/x-tar");
    for await (const piece of tar) if (!(await w.write(piece))) break;
    await w.close();
    daemon.events.emit("container", "export", c.record.Id, { name: c.record.Name.slice(1) });
  });

  const statHeader = (s: unknown) => btoa(JSON.stringify(s));
  const archivePath = (q: URLSearchParams): string => {
    const path = q.get("path");
    if (!path) throw new ApiError(400, "Bad parameters: path cannot be empty");
    return path;
  };

  router.add("HEAD", "/containers/{id}/archive", async (req, res, p) => {
    const c = engine.get(p.id!);
    const stat = await engine.runtime.fs.statPath(c.record, archivePath(req.query));
    await res.send(200, "", "application/x-tar", {
      "X-Docker-Container-Path-Stat": statHeader(stat),
    });
  });

  router.add("GET", "/containers/{id}/archive", async (req, res, p) => {
    const c = engine.get(p.id!);
    const { tar, stat } = await engine.runtime.fs.archive(c.record, archivePath(req.query));
    await res.send(200, tar, "application/x-tar", {
      "X-Docker-Container-Path-Stat": statHeader(stat),
    });
  });

  router.add("PUT", "/containers/{id}/archive", async (req, res, p) => {
    const c = engine.get(p.id!);
    const path = archivePath(req.query);
    const tar = await req.body(1024 * 1024 * 1024);
    await engine.runtime.fs.extract(c.record, path, tar);
    await res.send(200, "");
  });

  router.add("POST", "/commit", async (req, res) => {
    const q = req.query;
    const ref = q.get("container");
    if (!ref) throw new ApiError(400, "Bad parameters: container is required");
    const c = engine.get(ref);
    const repo = q.get("repo") ?? "";
    const tag = q.get("tag") || "latest";
    const pause = queryBool(q, "pause", true) && !!c.running && !c.record.State.Paused;
    if (pause) engine.pause(c.record.Id);
    let diff: Uint8Array;
    try {
      diff = await engine.runtime.fs.diffTar(c.record);
    } finally {
      if (pause) engine.unpause(c.record.Id);
    }
    const base = await store.resolve(c.record.Image);
    const layer = await store.ingestLayer(diff, {
      compression: "none",
      name: `commit of ${c.record.Id.slice(0, 12)}`,
    });
    const r = c.record;
    const config: NonNullable<ImageConfig["config"]> = {
      ...(base.config.config ?? {}),
      Env: r.Config.Env,
      Cmd: r.Config.Cmd,
      Entrypoint: r.Config.Entrypoint,
      WorkingDir: r.Config.WorkingDir,
      User: r.Config.User || base.config.config?.User,
      Labels: r.Config.Labels,
    };
    applyChanges(config, q.getAll("changes"));
    const now = new Date().toISOString();
    const image: ImageConfig = {
      created: now,
      author: q.get("author") ?? undefined,
      architecture: base.config.architecture,
      os: base.config.os,
      config,
      rootfs: { type: "layers", diff_ids: [...base.config.rootfs.diff_ids, layer.diffId] },
      history: [
        ...(base.config.history ?? []),
        {
          created: now,
          author: q.get("author") ?? undefined,
          created_by: [r.Path, ...r.Args].join(" "),
          comment: q.get("comment") ?? undefined,
        },
      ],
    };
    const layers = [
      ...base.manifest.layers.map((l, i) => ({
        digest: l.digest as never,
        size: l.size,
        diffId: base.config.rootfs.diff_ids[i] as never,
        mediaType: l.mediaType,
      })),
      { digest: layer.digest, size: layer.size, diffId: layer.diffId },
    ];
    const stored = await store.putImage(image, layers, repo ? [`${repo}:${tag}`] : []);
    daemon.events.emit("container", "commit", r.Id, {
      name: r.Name.slice(1),
      image: repo ? `${repo}:${tag}` : stored.id,
    });
    await res.json(201, { Id: stored.id });
  });

  router.add("GET", "/system/df", async (_req, res) => {
    const images = await store.images();
    const all = engine.all();
    const sizes = await containerSizes(engine, all, { images: () => Promise.resolve(images) });
    const layers = new Map<string, number>();
    for (const i of images) for (const l of i.manifest.layers) layers.set(l.digest, l.size);
    await res.json(200, {
      LayersSize: [...layers.values()].reduce((a, b) => a + b, 0),
      Images: images.map((i) => ({
        Id: i.id,
        RepoTags: repoTags(i),
        Size: imageSize(i),
        SharedSize: 0,
        Containers: all.filter((c) => c.record.Image === i.id).length,
        Created: Math.floor((Date.parse(i.config.created ?? "") || 0) / 1000),
      })),
      Containers: all.map((c, i) => ({ ...containerSummary(c), ...sizes[i] })),
      Volumes: [],
      BuildCache: [],
    });
  });
}
