/**
 * `POST /_berth/run`, Berth's one-request `run` (create, attach, start, wait and `--rm` in
 * the daemon), against a real daemon: the output frames and the status frame, removal
 * before the status with AutoRemove, a run that outlives the answer's head, the errors of
 * each phase, and that `berth run` goes through it (one request) while Docker's flow
 * stays as it was.
 */
import assert from "node:assert/strict";
import { request, requestTarget } from "../../runtime/daemon/http_client.ts";
import { FrameDecoder } from "../../runtime/daemon/stream_framing.ts";
import { type Berth, CLI, tempBerth } from "./cli_harness.ts";

interface RunAnswer {
  status: number;
  header: (name: string) => string | undefined;
  /** "1:text" / "2:text" per frame, in order; stream 3 parsed into `exit`. */
  frames: string[];
  exit?: { StatusCode: number; Error: unknown };
  message?: string;
}

async function runApi(b: Berth, body: Record<string, unknown>, name?: string): Promise<RunAnswer> {
  const res = await request(b.socket, "POST", requestTarget("/v1.47/_berth/run", { name }), {
    json: { AttachStdout: true, AttachStderr: true, ...body },
  });
  const answer: RunAnswer = { status: res.status, header: (n) => res.header(n), frames: [] };
  if (res.status >= 400) {
    answer.message = ((await res.json()) as { message: string }).message;
    return answer;
  }
  const dec = new FrameDecoder();
  for await (const piece of res.stream()) {
    for (const f of dec.push(piece)) {
      const text = new TextDecoder().decode(f.data);
      if (f.stream === 3) answer.exit = JSON.parse(text);
      else answer.frames.push(`${f.stream}:${text}`);
    }
  }
  assert.equal(dec.pending, 0, "the stream ends on a frame boundary");
  return answer;
}

async function containerIds(b: Berth): Promise<string[]> {
  const res = await request(b.socket, "GET", "/v1.47/containers/json?all=1");
  return ((await res.json()) as { Id: string }[]).map((c) => c.Id);
}

Deno.test("POST /_berth/run streams stdout and stderr frames, then the exit status, and removes an --rm container first", async () => {
  const b = await tempBerth();
  try {
    assert.equal((await b.run(["info"])).code, 0);
    const quick = await runApi(b, {
      Image: "berth/base",
      Cmd: ["sh", "-c", "echo out; echo err >&2; exit 3"],
      HostConfig: { AutoRemove: true },
    });
    assert.equal(quick.status, 200);
    assert.match(quick.header("berth-container-id") ?? "", /^[0-9a-f]{64}$/);
    assert.deepEqual(quick.frames, ["1:out\n", "2:err\n"]);
    assert.deepEqual(quick.exit, { StatusCode: 3, Error: null });
    assert.deepEqual(await containerIds(b), [], "removed before the status was sent");

    // A run that outlives the head: output streams as it comes, the status at its end. An
    // --rm container is never written down; `system check` counts it as work in progress.
    const slowRun = runApi(b, {
      Image: "berth/base",
      Cmd: ["sh", "-c", "echo first; sleep 1; echo second >&2"],
      HostConfig: { AutoRemove: true },
    });
    const check = await b.run(["system", "check"]);
    assert.equal(check.code, 0, check.stdout);
    const slow = await slowRun;
    assert.deepEqual(slow.frames, ["1:first\n", "2:second\n"]);
    assert.equal(slow.exit?.StatusCode, 0);
    assert.deepEqual(await containerIds(b), []);

    // Without AutoRemove the container stays, exited, with its code; AttachStdout=false
    // leaves stdout out of the stream (it is still logged).
    const kept = await runApi(b, {
      Image: "berth/base",
      Cmd: ["sh", "-c", "echo hidden; echo shown >&2; exit 5"],
      AttachStdout: false,
    }, "kept");
    assert.deepEqual(kept.frames, ["2:shown\n"]);
    assert.equal(kept.exit?.StatusCode, 5);
    const inspect = await request(b.socket, "GET", "/v1.47/containers/kept/json");
    const state = ((await inspect.json()) as { State: { Status: string; ExitCode: number } })
      .State;
    assert.equal(state.Status, "exited");
    assert.equal(state.ExitCode, 5);
    const logs = await b.run(["logs", "kept"]);
    assert.equal(logs.stdout, "hidden\n");

    // Create warnings come as numbered header fields.
    const warned = await runApi(b, {
      Image: "berth/base",
      Cmd: ["true"],
      HostConfig: { AutoRemove: true, MemorySwap: 1 << 30 },
    });
    assert.match(warned.header("berth-warning-0") ?? "", /memory-swap/);
    assert.equal(warned.exit?.StatusCode, 0);
  } finally {
    await b.cleanup();
  }
});

Deno.test("POST /_berth/run answers create and start failures as Docker's errors, and removes a failed --rm container", async () => {
  const b = await tempBerth();
  try {
    assert.equal((await b.run(["info"])).code, 0);
    const noImage = await runApi(b, { Image: "nope:1", Cmd: ["true"] });
    assert.equal(noImage.status, 404);
    assert.match(noImage.message ?? "", /No such image: nope:1/);
    assert.equal(noImage.header("berth-run-phase"), undefined);

    const badConfig = await runApi(b, { Image: "berth/base", Cmd: ["true"], Evil: 1 });
    assert.equal(badConfig.status, 400);

    const tty = await runApi(b, { Image: "berth/base", Cmd: ["true"], Tty: true });
    assert.equal(tty.status, 400);
    assert.match(tty.message ?? "", /without a terminal or stdin/);
    assert.deepEqual(await containerIds(b), [], "refused before anything was created");

    const missing = await runApi(b, {
      Image: "berth/base",
      Cmd: ["no-such-program"],
      HostConfig: { AutoRemove: true },
    });
    assert.ok(missing.status >= 400, `status ${missing.status}`);
    assert.equal(missing.header("berth-run-phase"), "start");
    assert.match(missing.message ?? "", /executable file not found/);
    assert.deepEqual(await containerIds(b), [], "the --rm container is gone");

    const missingKept = await runApi(b, { Image: "berth/base", Cmd: ["no-such-program"] }, "kept");
    assert.equal(missingKept.header("berth-run-phase"), "start");
    assert.equal((await containerIds(b)).length, 1, "without --rm it stays, as Docker's");

    // The daemon still serves.
    const ok = await runApi(b, { Image: "berth/base", Cmd: ["true"] });
    assert.equal(ok.exit?.StatusCode, 0);
  } finally {
    await b.cleanup();
  }
});

/** A Unix-socket proxy in front of the daemon that records each connection's request line. */
function recordingProxy(target: string, path: string): { lines: string[]; close(): void } {
  const lines: string[] = [];
  const listener = Deno.listen({ transport: "unix", path });
  (async () => {
    for await (const client of listener) {
      (async () => {
        const daemon = await Deno.connect({ transport: "unix", path: target });
        let first = true;
        const up = (async () => {
          const buf = new Uint8Array(64 * 1024);
          while (true) {
            const n = await client.read(buf).catch(() => null);
            if (n === null) break;
            if (first) {
              first = false;
              lines.push(new TextDecoder().decode(buf.subarray(0, n)).split("\r\n")[0]!);
            }
            await daemon.write(buf.slice(0, n));
          }
          await daemon.closeWrite().catch(() => {});
        })().catch(() => {});
        await daemon.readable.pipeTo(client.writable).catch(() => {});
        await up;
      })().catch(() => {});
    }
  })().catch(() => {});
  return { lines, close: () => listener.close() };
}

Deno.test("POST /_berth/run/command-line runs berth run's arguments as the daemon reads them, and leaves the rest to the CLI", async () => {
  const b = await tempBerth();
  const send = async (args: unknown) => {
    const res = await request(b.socket, "POST", "/v1.47/_berth/run/command-line", {
      json: { Args: args },
    });
    return { res, body: await res.bytes() };
  };
  try {
    assert.equal((await b.run(["info"])).code, 0);
    const { res, body } = await send(["--rm", "-e", "A=1", "berth/base", "sh", "-c", "echo $A"]);
    assert.equal(res.status, 200);
    const frames = new FrameDecoder().push(body).map((f) =>
      `${f.stream}:${new TextDecoder().decode(f.data)}`
    );
    assert.deepEqual(frames, ["1:1\n", '3:{"StatusCode":0,"Error":null}']);
    for (
      const args of [
        ["-it", "berth/base", "sh"],
        ["-di", "berth/base", "sh"],
        ["--cidfile", "/tmp/x", "berth/base", "true"],
        ["-e", "FROM_THE_CALLER", "berth/base", "true"],
        ["--env-file", "vars", "berth/base", "true"],
        ["--sig-proxy=false", "berth/base", "true"],
        ["--bogus", "berth/base", "true"],
        ["--help"],
        [],
      ]
    ) {
      const declined = await send(args);
      assert.equal(declined.res.status, 422, args.join(" "));
      assert.equal(declined.res.header("berth-run-fallback"), "1");
    }
    // -d: the answer is the started container's id.
    const detached = await send(["-d", "--name", "bg", "berth/base", "sleep", "30"]);
    assert.equal(detached.res.status, 201);
    const { Id } = JSON.parse(new TextDecoder().decode(detached.body)) as { Id: string };
    const inspect = await request(b.socket, "GET", "/v1.47/containers/bg/json");
    const state = (await inspect.json()) as { Id: string; State: { Running: boolean } };
    assert.equal(state.Id, Id);
    assert.equal(state.State.Running, true);
    assert.equal((await b.run(["rm", "-f", "bg"])).code, 0);

    assert.equal((await send("--rm berth/base true")).res.status, 400);
    assert.equal((await send([1, 2])).res.status, 400);
    assert.deepEqual(await containerIds(b), [], "nothing was created for a declined line");
  } finally {
    await b.cleanup();
  }
});

Deno.test("berth run without -i/-t is one request (its arguments, unparsed); the CLI reads what the daemon leaves it; --cidfile keeps Docker's flow", async () => {
  const b = await tempBerth();
  const proxy = recordingProxy(b.socket, `${b.root}/proxy.sock`);
  const via = { env: { BERTH_HOST: `unix://${b.root}/proxy.sock`, FROM_THE_CALLER: "yes" } };
  const forwarded = "POST /v1.47/_berth/run/command-line HTTP/1.1";
  try {
    assert.equal((await b.run(["info"])).code, 0);
    proxy.lines.length = 0;
    const r = await b.run(["run", "--rm", "berth/base", "sh", "-c", "echo hi; exit 7"], via);
    assert.equal(r.code, 7);
    assert.equal(r.stdout, "hi\n");
    assert.deepEqual(proxy.lines, [forwarded]);
    assert.equal((await b.run(["ps", "-aq"])).stdout, "");
    proxy.lines.length = 0;
    const viaContainer = await b.run(["container", "run", "--rm", "berth/base", "echo", "c"], via);
    assert.equal(viaContainer.stdout, "c\n", viaContainer.stderr);
    assert.deepEqual(proxy.lines, [forwarded], "berth container run is forwarded too");

    // A value from the caller's environment: the CLI reads the line and sends the body.
    proxy.lines.length = 0;
    const env = await b.run(
      ["run", "--rm", "-e", "FROM_THE_CALLER", "berth/base", "sh", "-c", "echo $FROM_THE_CALLER"],
      via,
    );
    assert.equal(env.stdout, "yes\n", env.stderr);
    assert.deepEqual(proxy.lines, [forwarded, "POST /v1.47/_berth/run HTTP/1.1"]);

    // A usage error is the CLI's, with Docker's message; nothing else is asked.
    proxy.lines.length = 0;
    const bogus = await b.run(["run", "--bogus", "berth/base", "true"], via);
    assert.equal(bogus.code, 125);
    assert.match(bogus.stderr, /unknown flag: --bogus\nSee 'berth run --help'/);
    assert.deepEqual(proxy.lines, [forwarded]);

    const missing = await b.run(["run", "--rm", "berth/base", "no-such-program"]);
    assert.equal(missing.code, 127, missing.stderr);
    const noImage = await b.run(["run", "--rm", "nope:1", "true"]);
    assert.equal(noImage.code, 125);
    assert.match(noImage.stderr, /Unable to find image 'nope:1' locally/);
    const swap = await b.run(["run", "--rm", "--memory-swap", "1g", "berth/base", "true"]);
    assert.equal(swap.code, 0);
    assert.match(swap.stderr, /WARNING: --memory-swap/);

    // -d is one request too; its id is printed once it started.
    proxy.lines.length = 0;
    const d = await b.run(["run", "-d", "--name", "bg", "berth/base", "sh", "-c", "exit 4"], via);
    assert.equal(d.code, 0, d.stderr);
    assert.match(d.stdout, /^[0-9a-f]{64}\n$/);
    assert.deepEqual(proxy.lines, [forwarded]);
    assert.equal((await b.run(["wait", "bg"])).stdout.trim(), "4");
    const notFound = await b.run(["run", "-d", "--name", "nf", "berth/base", "no-such-program"]);
    assert.equal(notFound.code, 127, notFound.stderr);
    const created = await b.run(["inspect", "-f", "{{.State.Status}}", "nf"]);
    assert.equal(created.stdout.trim(), "created", "a failed start leaves it created, as Docker's");

    // --cidfile takes Docker's flow (the id is written between create and start).
    proxy.lines.length = 0;
    const cidfile = `${b.root}/cid`;
    const withCid = await b.run(
      ["run", "--rm", "--cidfile", cidfile, "berth/base", "true"],
      via,
    );
    assert.equal(withCid.code, 0, withCid.stderr);
    assert.match(await Deno.readTextFile(cidfile), /^[0-9a-f]{64}$/);
    assert.ok(proxy.lines.some((l) => /\/attach\?/.test(l)), proxy.lines.join("\n"));
    assert.ok(proxy.lines.some((l) => /\/wait\?condition=removed/.test(l)));

    // SIGINT to the CLI reaches the container (Docker's --sig-proxy) on the one-request path.
    const proxied = cliOutput(b, [
      "run",
      "--rm",
      "berth/base",
      "sh",
      "-c",
      "trap 'echo got; exit 9' INT; echo ready; while :; do sleep 0.1; done",
    ]);
    await proxied.until("ready\n");
    proxied.child.kill("SIGINT");
    assert.equal(await proxied.rest(), "ready\ngot\n");
    assert.equal((await proxied.child.status).code, 9);

    // --sig-proxy=false: the signal ends the CLI and the container runs on, as with Docker.
    const unproxied = cliOutput(b, [
      "run",
      "--name",
      "np",
      "--sig-proxy=false",
      "berth/base",
      "sh",
      "-c",
      "trap 'echo got' INT; echo ready; sleep 30",
    ]);
    await unproxied.until("ready\n");
    unproxied.child.kill("SIGINT");
    assert.equal(await unproxied.rest(), "ready\n");
    assert.equal((await unproxied.child.status).signal, "SIGINT");
    const running = await b.run(["inspect", "-f", "{{.State.Running}}", "np"]);
    assert.equal(running.stdout.trim(), "true");
    assert.equal((await b.run(["rm", "-f", "np"])).code, 0);
  } finally {
    proxy.close();
    await b.cleanup();
  }
});

/** The CLI in a subprocess with its stdout read as it comes. */
function cliOutput(b: Berth, args: string[]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    env: { BERTH_ROOT: b.root },
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.getReader();
  let text = "";
  const more = async () => {
    const { value, done } = await reader.read();
    if (!done) text += new TextDecoder().decode(value);
    return !done;
  };
  return {
    child,
    /** Read until the output holds `want`. */
    async until(want: string) {
      while (!text.includes(want) && await more());
    },
    /** Read to the end: the whole output. */
    async rest() {
      while (await more());
      return text;
    },
  };
}
