/**
 * Bad API input: random JSON bodies (type confusion, unknown fields, deep nesting, huge
 * strings) and hostile ids and names (`..`, `/`, NUL, very long) sent to the daemon's
 * Engine API. Every answer is a 2xx/3xx or a 4xx with a JSON message — never a 5xx nor a
 * dropped connection — the daemon keeps answering, and the image store is unchanged.
 */
import assert from "node:assert/strict";
import { fc, runs } from "../_property.ts";
import { request } from "node:http";
import { tempBerth } from "../e2e/cli_harness.ts";
import { snapshotTree } from "./_snapshot.ts";

const RUNS = runs(80, 500);

interface Answer {
  status: number;
  body: string;
}

function call(socket: string, method: string, path: string, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({
      socketPath: socket,
      path,
      method,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
    }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => text += c);
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", (e) => reject(new Error(`${method} ${path}: ${e}`)));
    req.setTimeout(10_000, () => req.destroy(new Error(`${method} ${path}: no answer in 10 s`)));
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const hostileId = fc.oneof(
  fc.constant(".."),
  fc.constant("../../etc/passwd"),
  fc.constant("a/b"),
  fc.constant("%00"),
  fc.constant("x%2F..%2F..%2Fimages"),
  fc.constant("a".repeat(5000)),
  fc.string({ maxLength: 40 }).map(encodeURIComponent),
);

const endpoints: ((id: string) => [string, string])[] = [
  (id) => ["GET", `/containers/${id}/json`],
  (id) => ["POST", `/containers/${id}/start`],
  (id) => ["POST", `/containers/${id}/kill?signal=${id}`],
  (id) => ["DELETE", `/containers/${id}?force=1`],
  (id) => ["GET", `/containers/${id}/archive?path=${id}`],
  (id) => ["POST", `/containers/create?name=${id}`],
  (id) => ["GET", `/images/${id}/json`],
  (id) => ["POST", `/images/${id}/tag?repo=${id}&tag=${id}`],
  (id) => ["DELETE", `/images/${id}`],
  (id) => ["GET", `/images/${id}/history`],
  (id) => ["POST", `/containers/${id}/exec`],
  (id) => ["POST", `/exec/${id}/start`],
  (id) => ["POST", `/commit?container=${id}&repo=${id}`],
];

function assertWellAnswered(a: Answer, what: string): void {
  assert.ok(
    a.status >= 200 && a.status < 500,
    `${what} answered ${a.status}: ${a.body.slice(0, 300)}`,
  );
  if (a.status >= 400) {
    const parsed = JSON.parse(a.body) as { message?: unknown };
    assert.equal(typeof parsed.message, "string", `${what}: 4xx without a message: ${a.body}`);
    assert.ok((parsed.message as string).length > 0);
  }
}

Deno.test("hostile ids, names and JSON bodies get 2xx or 4xx with a message; the daemon is unharmed", async () => {
  const berth = await tempBerth();
  try {
    assert.equal((await berth.run(["run", "--rm", "berth/base", "true"])).code, 0);
    const imagesBefore = await snapshotTree(`${berth.root}/images`, ["index.lock", "pins"]);
    await fc.assert(
      fc.asyncProperty(
        fc.nat(endpoints.length - 1),
        hostileId,
        fc.option(fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)), { nil: undefined }),
        async (which, id, body) => {
          const [method, path] = endpoints[which]!(id);
          // A create with a random body may legitimately succeed; never with a hostile name.
          assertWellAnswered(await call(berth.socket, method, path, body), `${method} ${path}`);
        },
      ),
      { numRuns: RUNS },
    );
    // Type confusion in the create body (the most structured input).
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          Image: fc.oneof(fc.constant("berth/base"), fc.jsonValue()),
          Cmd: fc.oneof(fc.constant(["true"]), fc.jsonValue()),
          Env: fc.oneof(fc.constant(["A=1"]), fc.jsonValue()),
          HostConfig: fc.oneof(
            fc.record({ Memory: fc.jsonValue(), NanoCpus: fc.jsonValue(), Binds: fc.jsonValue() }),
            fc.jsonValue(),
          ),
        }, { requiredKeys: [] }),
        async (body) => {
          const a = await call(berth.socket, "POST", "/containers/create", JSON.stringify(body));
          assertWellAnswered(a, `create ${JSON.stringify(body).slice(0, 200)}`);
        },
      ),
      { numRuns: RUNS },
    );
    const huge = await call(
      berth.socket,
      "POST",
      "/containers/create",
      `{"Image":"${"x".repeat(8 << 20)}"}`,
    )
      .catch((e) => ({ status: 413, body: `{"message":"${e}"}` }));
    assert.ok(huge.status >= 400 && huge.status < 500, `huge body: ${huge.status}`);
    const ping = await call(berth.socket, "GET", "/_ping");
    assert.equal(ping.status, 200);
    assert.deepEqual(
      await snapshotTree(`${berth.root}/images`, ["index.lock", "pins"]),
      imagesBefore,
    );
    const ps = await berth.run(["ps", "-aq"]);
    assert.equal(ps.code, 0, ps.stderr);
    if (ps.stdout.trim()) await berth.run(["rm", "-f", ...ps.stdout.trim().split("\n")]);
  } finally {
    await berth.cleanup();
  }
});
