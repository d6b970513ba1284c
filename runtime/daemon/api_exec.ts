/**
 * Exec endpoints: `POST /containers/{id}/exec`, `POST /exec/{id}/start` (hijacked,
 * framed without a TTY), `POST /exec/{id}/resize`, `GET /exec/{id}/json`.
 *
 * @module
 */
import type { ContainerEngine } from "../container/container_engine.ts";
import type { ExecProcess } from "../container/container_runtime.ts";
import { newContainerId } from "../container/container_state.ts";
import type { Daemon } from "./daemon.ts";
import { ApiError, jsonBody, type Router } from "./router.ts";
import { encodeFrame } from "./stream_framing.ts";

/** An exec instance. */
interface ExecInstance {
  id: string;
  containerId: string;
  argv: string[];
  env: string[];
  workdir: string;
  user: string;
  tty: boolean;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  running: boolean;
  exitCode: number | null;
  pid: number;
  process?: ExecProcess;
}

const isStrList = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((x) => typeof x === "string");

/**
 * Register the exec routes.
 *
 * @param router The router.
 * @param daemon The daemon (events).
 * @param engine The engine.
 * @example
 * ```ts ignore
 * registerExecRoutes(router, daemon, engine);
 * ```
 */
export function registerExecRoutes(router: Router, daemon: Daemon, engine: ContainerEngine): void {
  const execs = new Map<string, ExecInstance>();

  router.add("POST", "/containers/{id}/exec", async (req, res, p) => {
    const c = engine.get(p.id!);
    const b = await jsonBody(req);
    if (!isStrList(b.Cmd) || b.Cmd.length === 0) {
      throw new ApiError(400, "No exec command specified");
    }
    if (b.Env !== undefined && b.Env !== null && !isStrList(b.Env)) {
      throw new ApiError(400, "Env must be a list of strings");
    }
    for (const k of ["WorkingDir", "User"] as const) {
      if (b[k] !== undefined && b[k] !== null && typeof b[k] !== "string") {
        throw new ApiError(400, `${k} must be a string`);
      }
    }
    if (b.WorkingDir && !String(b.WorkingDir).startsWith("/")) {
      throw new ApiError(
        400,
        `the working directory '${b.WorkingDir}' is invalid, it needs to be an absolute path`,
      );
    }
    if (!c.running) throw new ApiError(409, `container ${c.record.Id} is not running`);
    if (c.record.State.Paused) {
      throw new ApiError(
        409,
        `Container ${c.record.Id} is paused, unpause the container before exec`,
      );
    }
    const inst: ExecInstance = {
      id: newContainerId(),
      containerId: c.record.Id,
      argv: b.Cmd,
      env: (b.Env as string[] | undefined) ?? [],
      workdir: (b.WorkingDir as string | undefined) ?? "",
      user: (b.User as string | undefined) ?? "",
      tty: b.Tty === true,
      stdin: b.AttachStdin === true,
      stdout: b.AttachStdout !== false,
      stderr: b.AttachStderr !== false,
      running: false,
      exitCode: null,
      pid: 0,
    };
    execs.set(inst.id, inst);
    daemon.events.emit("container", `exec_create: ${inst.argv.join(" ")}`, c.record.Id, {
      execID: inst.id,
    });
    await res.json(201, { Id: inst.id });
  });

  const getExec = (id: string): ExecInstance => {
    const inst = execs.get(id);
    if (!inst) throw new ApiError(404, `No such exec instance: ${id}`);
    return inst;
  };

  router.add("POST", "/exec/{id}/start", async (req, res, p) => {
    const inst = getExec(p.id!);
    const b = await jsonBody(req);
    if (inst.running || inst.exitCode !== null) {
      throw new ApiError(409, `exec ${inst.id} has already started`);
    }
    const c = engine.get(inst.containerId);
    if (!c.running) throw new ApiError(409, `container ${c.record.Id} is not running`);
    const detach = b.Detach === true;
    const tty = b.Tty === true || inst.tty;
    const sink = (stream: 1 | 2) => (data: Uint8Array) => {
      if (detach || !conn) return;
      if ((stream === 1 && !inst.stdout) || (stream === 2 && !inst.stderr)) return;
      void conn.write(tty ? data : encodeFrame(stream, data));
    };
    let conn: Awaited<ReturnType<typeof res.hijack>> | undefined;
    if (!detach) {
      conn = await res.hijack(
        tty ? "application/vnd.docker.raw-stream" : "application/vnd.docker.multiplexed-stream",
      );
    }
    inst.running = true;
    let proc: ExecProcess;
    try {
      proc = await c.running.exec(
        {
          argv: inst.argv,
          env: inst.env,
          workdir: inst.workdir,
          user: inst.user,
          tty,
          stdin: inst.stdin,
        },
        { stdout: sink(1), stderr: sink(2) },
      );
    } catch (err) {
      inst.running = false;
      inst.exitCode = (err as { exitCode?: number }).exitCode ?? 126;
      const msg = `OCI runtime exec failed: ${(err as Error).message}: unknown\r\n`;
      if (!conn) throw new ApiError((err as { httpStatus?: number }).httpStatus ?? 500, msg.trim());
      await conn.write(
        tty ? new TextEncoder().encode(msg) : encodeFrame(2, new TextEncoder().encode(msg)),
      );
      await conn.close();
      return;
    }
    inst.process = proc;
    inst.pid = proc.pid;
    daemon.events.emit("container", `exec_start: ${inst.argv.join(" ")}`, c.record.Id, {
      execID: inst.id,
    });
    const finished = proc.exited.then((code) => {
      inst.running = false;
      inst.exitCode = code;
      daemon.events.emit("container", "exec_die", c.record.Id, {
        execID: inst.id,
        exitCode: String(code),
      });
    });
    if (detach) {
      await res.send(200, "");
      return;
    }
    const session = conn!;
    if (inst.stdin) {
      (async () => {
        while (true) {
          const data = await session.read();
          if (data === null) break;
          proc.writeStdin(data);
        }
        proc.closeStdin();
      })();
    }
    await finished;
    await new Promise((r) => setTimeout(r, 0));
    await session.close();
  });

  router.add("POST", "/exec/{id}/resize", async (req, res, p) => {
    const inst = getExec(p.id!);
    inst.process?.resize(Number(req.query.get("h") ?? 0), Number(req.query.get("w") ?? 0));
    await res.send(200, "");
  });

  router.add("GET", "/exec/{id}/json", async (_req, res, p) => {
    const inst = getExec(p.id!);
    await res.json(200, {
      ID: inst.id,
      Running: inst.running,
      ExitCode: inst.exitCode,
      ProcessConfig: {
        tty: inst.tty,
        entrypoint: inst.argv[0],
        arguments: inst.argv.slice(1),
        privileged: false,
        user: inst.user,
      },
      OpenStdin: inst.stdin,
      OpenStderr: inst.stderr,
      OpenStdout: inst.stdout,
      CanRemove: false,
      ContainerID: inst.containerId,
      DetachKeys: "",
      Pid: inst.pid,
    });
  });
}
