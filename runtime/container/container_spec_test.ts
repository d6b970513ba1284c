import assert from "node:assert/strict";
import { InvalidConfigError, mountRequests, parseCreateRequest } from "./container_config.ts";
import { cgroupValues, generateSpec } from "./container_spec.ts";

Deno.test("generateSpec merges image and run config as runc receives it", () => {
  const req = parseCreateRequest({
    Image: "berth/base",
    Cmd: ["sh", "-c", "echo hi"],
    Env: ["A=2", "B=3"],
    Hostname: "web",
    WorkingDir: "/srv",
    HostConfig: {
      Memory: 64 * 1024 * 1024,
      NanoCpus: 500_000_000,
      PidsLimit: 10,
      Binds: ["/tmp:/data:ro"],
      Tmpfs: { "/run": "size=1m,mode=755" },
      ReadonlyRootfs: true,
    },
  });
  const spec = generateSpec("a".repeat(64), "web", req, {
    Env: ["PATH=/bin", "A=1"],
    Cmd: ["/bin/sh"],
  }, {
    uid: 0,
    gid: 0,
  });
  assert.deepEqual(spec.process.args, ["sh", "-c", "echo hi"]);
  assert.ok(spec.process.env.includes("PATH=/bin"));
  assert.ok(spec.process.env.includes("A=2"));
  assert.ok(!spec.process.env.includes("A=1"));
  assert.equal(spec.hostname, "web");
  assert.equal(spec.process.cwd, "/srv");
  assert.equal(spec.root.readonly, true);
  assert.deepEqual(spec.linux.resources, {
    cpu: { quota: 50000, period: 100000 },
    memory: { limit: 64 * 1024 * 1024 },
    pids: { limit: 10 },
  });
  assert.ok(spec.mounts.some((m) => m.destination === "/data" && m.options?.includes("ro")));
  assert.ok(
    spec.mounts.some((m) => m.destination === "/run" && m.options?.includes("size=1048576")),
  );
  assert.ok(spec.mounts.some((m) => m.destination === "/proc" && m.type === "proc"));
  assert.deepEqual(spec.linux.namespaces.map((n) => n.type).sort(), [
    "cgroup",
    "ipc",
    "mount",
    "network",
    "pid",
    "uts",
  ]);
  assert.deepEqual(cgroupValues(spec.linux.resources), {
    "cpu.max": "50000 100000",
    "memory.max": String(64 * 1024 * 1024),
    "pids.max": "10",
  });
});

Deno.test("--entrypoint drops the image's cmd; no command at all is refused", () => {
  const r = parseCreateRequest({ Image: "x", Entrypoint: ["/bin/echo"] });
  const spec = generateSpec("b".repeat(64), "n", r, { Entrypoint: ["/bin/sh"], Cmd: ["-c", "x"] }, {
    uid: 0,
    gid: 0,
  });
  assert.deepEqual(spec.process.args, ["/bin/echo"]);
  assert.throws(
    () =>
      generateSpec("c".repeat(64), "n", parseCreateRequest({ Image: "x" }), {}, { uid: 0, gid: 0 }),
    /no command specified/,
  );
});

Deno.test("hostile create bodies are 400s naming the field", () => {
  const bad: [unknown, RegExp][] = [
    [{ Image: "x", Bogus: 1 }, /unknown field "Bogus"/],
    [{ Image: 5 }, /Config\.Image of type string/],
    [{ Image: "x", Env: "A=1" }, /Config\.Env of type \[\]string/],
    [{ Image: "x", HostConfig: { Memory: "1g" } }, /HostConfig\.Memory/],
    [{ Image: "x", HostConfig: { Memory: 1024 } }, /Minimum memory limit/],
    [
      { Image: "x", HostConfig: { RestartPolicy: { Name: "sometimes" } } },
      /invalid restart policy/,
    ],
    [
      { Image: "x", HostConfig: { AutoRemove: true, RestartPolicy: { Name: "always" } } },
      /--restart and --rm/,
    ],
    [{ Image: "x", WorkingDir: "relative" }, /needs to be an absolute path/],
    [{}, /no image specified/],
  ];
  for (const [body, re] of bad) {
    assert.throws(() => parseCreateRequest(body as Record<string, unknown>), (e: unknown) => {
      assert.ok(e instanceof InvalidConfigError);
      assert.match((e as Error).message, re);
      return true;
    });
  }
  const r = parseCreateRequest({ Image: "x", HostConfig: { Binds: ["relative:/x"] } });
  assert.throws(() => mountRequests(r.hostConfig), /absolute host path/);
});
