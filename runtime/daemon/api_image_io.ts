/**
 * Image transfer endpoints: `POST /build` (the builder, with RUN steps on the kernel),
 * `POST /images/load`, `GET /images/get` (save) and `POST /images/create?fromSrc=-`
 * (import). Progress goes out as Docker's JSON messages.
 *
 * @module
 */
import { importRootfs, loadImages, saveImages, type Store } from "../../image/mod.ts";
import { engineBuild, engineBuildPrune, type StepRunner } from "../../image/build/mod.ts";
import type { Daemon } from "./daemon.ts";
import type { ApiRequest } from "./http_server.ts";
import { ApiError, type Router } from "./router.ts";

function bodyStream(req: ApiRequest): ReadableStream<Uint8Array> {
  const it = req.bodyStream();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { value, done } = await it.next();
      if (done) controller.close();
      else controller.enqueue(value);
    },
  });
}

/**
 * Register the routes.
 *
 * @param router The router.
 * @param daemon The daemon (events).
 * @param store The image store.
 * @param runner Runs RUN steps.
 * @example
 * ```ts ignore
 * registerImageIoRoutes(router, daemon, store, new KernelStepRunner(kernel, store));
 * ```
 */
export function registerImageIoRoutes(
  router: Router,
  daemon: Daemon,
  store: Store,
  runner: StepRunner,
): void {
  router.add("POST", "/build", async (req, res) => {
    const w = await res.stream(200, "application/json");
    const abort = new AbortController();
    w.closed.then(() => abort.abort());
    const result = await engineBuild({
      store,
      query: req.query,
      body: bodyStream(req),
      runner,
      signal: abort.signal,
      write: (m) => w.write(JSON.stringify(m) + "\r\n").then(() => {}),
    });
    if (result) {
      for (const t of result.tags) daemon.events.emit("image", "tag", result.id, { name: t });
    }
    await w.close();
  });

  // `docker builder prune`: drop the build cache (its pins, then the blobs GC frees).
  router.add("POST", "/build/prune", async (req, res) => {
    await res.json(200, await engineBuildPrune(store, req.query));
  });

  router.add("POST", "/images/load", async (req, res) => {
    const quiet = req.query.get("quiet") === "1" || req.query.get("quiet") === "true";
    let loaded;
    try {
      loaded = await loadImages(store, bodyStream(req), { name: "-" });
    } catch (err) {
      throw new ApiError(400, (err as Error).message);
    }
    const w = await res.stream(200, "application/json");
    for (const l of loaded) {
      const names = l.tags.length ? l.tags : [l.image.id];
      for (const n of names) {
        daemon.events.emit("image", "load", l.image.id, { name: n });
        if (!quiet) {
          await w.write(
            JSON.stringify({ stream: `Loaded image${l.tags.length ? "" : " ID"}: ${n}\n` }) +
              "\r\n",
          );
        }
      }
    }
    await w.close();
  });

  router.add("GET", "/images/get", async (req, res) => {
    const names = req.query.getAll("names");
    if (names.length === 0) throw new ApiError(400, "Bad parameters: names is required");
    const stream = await saveImages(store, names);
    const w = await res.stream(200, "application/x-tar");
    for await (const piece of stream) if (!(await w.write(piece))) break;
    await w.close();
    for (const n of names) daemon.events.emit("image", "save", n, { name: n });
  });

  router.add("POST", "/images/create", async (req, res) => {
    const src = req.query.get("fromSrc");
    if (src !== "-") {
      throw new ApiError(
        501,
        src
          ? `importing from "${src}" is not supported: send the tar in the body (fromSrc=-)`
          : "Berth pulls from no registry yet: build the image or load it from an archive",
      );
    }
    const repo = req.query.get("repo") ?? "";
    const tag = req.query.get("tag") || "latest";
    let image;
    try {
      image = await importRootfs(store, bodyStream(req), {
        tag: repo ? `${repo}:${tag}` : undefined,
        message: req.query.get("message") ?? undefined,
        changes: req.query.getAll("changes"),
      });
    } catch (err) {
      throw new ApiError(400, (err as Error).message);
    }
    daemon.events.emit("image", "import", image.id, { name: repo ? `${repo}:${tag}` : image.id });
    const w = await res.stream(200, "application/json");
    await w.write(JSON.stringify({ status: image.id }) + "\r\n");
    await w.write(JSON.stringify({ aux: { ID: image.id } }) + "\r\n");
    await w.close();
  });
}
