import assert from "node:assert/strict";
import { applyChanges } from "./import_rootfs.ts";

Deno.test("applyChanges() reads --change instructions as docker import does", () => {
  const c = applyChanges({ Env: ["PATH=/bin", "A=old"] }, [
    "ENTRYPOINT /bin/app --flag",
    'CMD ["serve"]',
    "ENV A=new",
    "ENV LEGACY value with spaces",
    'LABEL "org.example.name"="x y" version=2',
    'VOLUME ["/data", "/logs"]',
    "EXPOSE 80 53/udp",
    "WORKDIR /srv",
    "WORKDIR app",
    "USER 1000:1000",
    "STOPSIGNAL SIGINT",
  ]);
  assert.deepEqual(c.Entrypoint, ["/bin/sh", "-c", "/bin/app --flag"]);
  assert.deepEqual(c.Cmd, ["serve"]);
  assert.deepEqual(c.Env, ["PATH=/bin", "A=new", "LEGACY=value with spaces"]);
  assert.deepEqual(c.Labels, { "org.example.name": "x y", version: "2" });
  assert.deepEqual(Object.keys(c.Volumes ?? {}), ["/data", "/logs"]);
  assert.deepEqual(Object.keys(c.ExposedPorts ?? {}), ["80/tcp", "53/udp"]);
  assert.equal(c.WorkingDir, "/srv/app");
  assert.equal(c.User, "1000:1000");
  assert.equal(c.StopSignal, "SIGINT");
});

Deno.test("applyChanges() refuses what docker import refuses, naming the change", () => {
  assert.throws(
    () => applyChanges({}, ["RUN make"]),
    /Cannot apply change "RUN make": RUN is not allowed/,
  );
  assert.throws(
    () => applyChanges({}, ['CMD ["unterminated"']),
    /expected a JSON array of strings/,
  );
  assert.throws(() => applyChanges({}, ["CMD"]), /missing command/);
  assert.throws(() => applyChanges({}, ["ENV"]), /expected KEY=value/);
});
