import assert from "node:assert/strict";
import { UsageError } from "./_args.ts";
import { makeProgressDisplay, resolveProgressMode } from "./_build_progress.ts";

const ESC = "\x1b";
const strip = (s: string) => s.replace(new RegExp(`${ESC}\\[[0-9;?]*[A-Za-z]`, "g"), "");

const PLAIN = [
  "#1 [1/3] FROM berth/base\n",
  "#1 DONE 0.0s\n",
  "#2 [2/3] COPY a /a\n",
  "#2 CACHED\n",
  "#3 [3/3] RUN make\n",
  "#3 0.104 compiling\n",
  "#3 0.2",
  "01 linking\n",
  "#3 DONE 1.2s\n",
  "WARNING: UndefinedVar: Usage of undefined variable '$X' (line 2)\n",
  "#4 exporting to image\n",
  "#4 writing image sha256:abc done\n",
  "#4 naming to docker.io/library/app:1 done\n",
  "#4 DONE 0.0s\n",
];

Deno.test("resolveProgressMode() takes BuildKit's modes, BUILDKIT_PROGRESS for auto, and refuses others", () => {
  assert.equal(resolveProgressMode(undefined, undefined, true), "tty");
  assert.equal(resolveProgressMode("auto", undefined, false), "plain");
  assert.equal(resolveProgressMode(undefined, "rawjson", true), "rawjson");
  assert.equal(resolveProgressMode("plain", "tty", true), "plain", "only auto is replaced");
  for (const m of ["plain", "tty", "quiet", "rawjson"]) {
    assert.equal(resolveProgressMode(m, undefined, false), m);
  }
  assert.throws(() => resolveProgressMode("fancy", undefined, true), UsageError);
  assert.throws(() => resolveProgressMode(undefined, "fancy", true), /invalid progress mode/);
});

Deno.test("tty display: the last frame lists every step with its time, CACHED, and the export's jobs", async () => {
  let clock = 0;
  let out = "";
  const d = makeProgressDisplay("tty", (t) => {
    out += t;
  }, { width: 60, now: () => clock });
  for (const chunk of PLAIN) {
    d.write(chunk);
    clock += 100;
  }
  await d.close();
  const frame = strip(out.slice(out.lastIndexOf("[+] Building")));
  assert.equal(
    frame,
    [
      "[+] Building 1.4s (4/4) FINISHED",
      " => [1/3] FROM berth/base                               0.0s",
      " => CACHED [2/3] COPY a /a                              0.0s",
      " => [3/3] RUN make                                      1.2s",
      " => exporting to image                                  0.0s",
      " => => writing image sha256:abc                         0.0s",
      " => => naming to docker.io/library/app:1                0.0s",
      "WARNING: UndefinedVar: Usage of undefined variable '$X' (line 2)",
      "",
    ].join("\n"),
  );
});

Deno.test("tty display: redraws in place with the running step's output, and shows a failed step's log after", async () => {
  let clock = 0;
  let out = "";
  const d = makeProgressDisplay("tty", (t) => {
    out += t;
  }, { width: 60, now: () => clock });
  d.write("#1 [1/2] FROM berth/base\n#1 DONE 0.0s\n#2 [2/2] RUN false\n#2 0.010 oo\tps\r\n");
  clock = 250;
  // The timer tick (every 100 ms) draws a frame with the running step's output under it.
  for (let i = 0; i < 100 && !out.includes("oo ps"); i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const running = strip(out);
  assert.match(running, /=> \[2\/2\] RUN false +0\.3s\n => => # oo ps\n/, "a tab is a space");
  d.write('#2 ERROR: process "/bin/sh -c false" did not complete successfully: exit code: 1\n');
  await d.close();
  assert.match(out, new RegExp(`${ESC}\\[\\d+A\r`), "moves up to the last frame's first line");
  const last = strip(out.slice(out.lastIndexOf("[+] Building")));
  assert.match(last, /^\[\+\] Building 0\.3s \(2\/2\)\n/, "not FINISHED");
  assert.match(
    last,
    / => ERROR \[2\/2\] RUN false +0\.3s\n------\n > \[2\/2\] RUN false:\noo\tps\r\n------\n$/,
  );
});

Deno.test("rawjson display: one SolveStatus per change, logs base64, the same digest for a step", async () => {
  let out = "";
  const d = makeProgressDisplay("rawjson", (t) => {
    out += t;
  });
  for (const chunk of PLAIN) d.write(chunk);
  await d.close();
  const lines = out.trim().split("\n").map((l) => JSON.parse(l));
  const run = lines.filter((l) => l.vertexes?.[0]?.name === "[3/3] RUN make");
  assert.equal(run.length, 2, "started, then completed");
  assert.ok(run[1].vertexes[0].completed);
  const cached = lines.find((l) =>
    l.vertexes?.[0]?.name === "[2/3] COPY a /a" && l.vertexes[0].cached
  );
  assert.ok(cached, "CACHED is cached: true");
  const logs = lines.flatMap((l) => l.logs ?? []);
  assert.deepEqual(logs.map((l) => atob(l.data)), ["compiling\n", "linking\n"]);
  assert.ok(logs.every((l) => l.vertex === run[0].vertexes[0].digest));
  assert.match(atob(lines.find((l) => l.warnings)!.warnings[0].short), /^UndefinedVar/);
});

Deno.test("plain and quiet displays: plain passes the daemon's lines through, quiet prints nothing", async () => {
  let plain = "";
  const p = makeProgressDisplay("plain", (t) => {
    plain += t;
  });
  let quiet = "";
  const q = makeProgressDisplay("quiet", (t) => {
    quiet += t;
  });
  for (const chunk of PLAIN) {
    p.write(chunk);
    q.write(chunk);
  }
  await Promise.all([p.close(), q.close()]);
  assert.equal(plain, PLAIN.join(""));
  assert.equal(quiet, "");
});
