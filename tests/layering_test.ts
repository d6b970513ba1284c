/**
 * Dependencies point down (STYLE.md): cli → runtime/container, runtime/daemon →
 * runtime/kernel → image. image/ never imports runtime/ or cli/; the kernel never imports
 * the userland, WASI, containers, the daemon or the CLI (they are injected); the
 * userland and WASI reach the kernel only through its syscall surface.
 */
import assert from "node:assert/strict";
import { relative, resolve } from "node:path";
import { repoRoot } from "./_paths.ts";

/** Folder prefix → prefixes it must not import from. */
const FORBIDDEN: [string, string[]][] = [
  ["image/", ["runtime/", "cli/"]],
  ["runtime/kernel/", [
    "runtime/userland/",
    "runtime/wasi/",
    "runtime/container/",
    "runtime/daemon/",
    "cli/",
  ]],
  ["runtime/userland/", ["runtime/wasi/", "runtime/container/", "runtime/daemon/", "cli/"]],
  ["runtime/wasi/", ["runtime/userland/", "runtime/container/", "runtime/daemon/", "cli/"]],
  ["runtime/container/", ["runtime/daemon/", "cli/"]],
  ["runtime/daemon/", ["cli/"]],
];

/** What the userland may import from the kernel: its syscall surface and shared types. */
const USERLAND_KERNEL_ALLOWED = [
  "runtime/kernel/syscalls/api.ts",
  "runtime/kernel/syscalls/termios.ts", // the ioctl surface's struct termios layout
  "runtime/kernel/errno.ts",
  "runtime/kernel/executor.ts",
  "runtime/kernel/signals.ts",
];

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) out.push(...await sourceFiles(p));
    else if (
      e.name.endsWith(".ts") && !e.name.endsWith("_test.ts") && !e.name.startsWith("_test_")
    ) {
      out.push(p);
    }
  }
  return out;
}

function importsOf(text: string): string[] {
  const specs: string[] = [];
  const re = /(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;
  for (const m of text.matchAll(re)) specs.push((m[1] ?? m[2])!);
  return specs;
}

Deno.test("no module imports from a layer above it", async () => {
  const problems: string[] = [];
  for (const top of ["image", "runtime", "cli"]) {
    for (const file of await sourceFiles(`${repoRoot}/${top}`)) {
      const from = relative(repoRoot, file);
      for (const spec of importsOf(await Deno.readTextFile(file))) {
        if (!spec.startsWith(".")) continue;
        const to = relative(repoRoot, resolve(file, "..", spec));
        for (const [prefix, banned] of FORBIDDEN) {
          if (!from.startsWith(prefix)) continue;
          for (const b of banned) {
            if (to.startsWith(b)) {
              problems.push(`${from} imports ${to} (${prefix} must not import ${b})`);
            }
          }
        }
        if (
          from.startsWith("runtime/userland/") && to.startsWith("runtime/kernel/") &&
          !USERLAND_KERNEL_ALLOWED.includes(to)
        ) {
          problems.push(`${from} imports kernel internals ${to} (the userland uses syscalls only)`);
        }
      }
    }
  }
  assert.deepEqual(problems, []);
});
