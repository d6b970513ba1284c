/**
 * Output formatting as the Docker CLI does it: aligned tables, human sizes (decimal for
 * disk, binary for memory), relative times, container status words, and the subset of
 * Go templates `--format` takes (`table`, `json`, `{{.Field}}`, `{{.A.B}}`,
 * `{{json .X}}`, `{{index .M "k"}}`, `{{upper …}}`, `{{lower …}}`, `{{join .L ","}}`).
 *
 * @module
 */
export {
  humanDuration,
  type StatusInput,
  statusWords,
  timeAgo,
} from "../runtime/container/container_status.ts";

/**
 * Render rows as Docker's tabwriter does: columns padded to the widest cell plus 3 spaces.
 *
 * @param header Column titles.
 * @param rows Cells.
 * @returns Lines joined by "\n" (no trailing newline).
 * @example
 * ```ts
 * import { renderTable } from "./_format.ts";
 * console.assert(renderTable(["A", "B"], [["x", "y"]]) === "A   B\nx   y");
 * ```
 */
export function renderTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const all = [header, ...rows];
  const cols = Math.max(...all.map((r) => r.length));
  const widths: number[] = [];
  for (let c = 0; c < cols; c++) {
    widths.push(Math.max(...all.map((r) => [...(r[c] ?? "")].length)));
  }
  return all.map((r) =>
    r.map((
      cell,
      c,
    ) => (c === r.length - 1
      ? cell
      : cell.padEnd(widths[c]! + 3 - ([...cell].length - cell.length)))
    ).join("")
      .trimEnd()
  ).join("\n");
}

/**
 * Size in decimal units with 3 significant digits, as `docker images` shows it ("7.6MB").
 *
 * @param bytes Byte count.
 * @returns Human size.
 * @example
 * ```ts
 * import { humanSize } from "./_format.ts";
 * console.assert(humanSize(1_234_567) === "1.23MB");
 * ```
 */
export function humanSize(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB", "PB"];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number(v.toPrecision(3))}${units[i]}`;
}

/**
 * Size in binary units, as `docker stats` shows memory ("1.5MiB").
 *
 * @param bytes Byte count.
 * @returns Human size.
 * @example
 * ```ts
 * import { binarySize } from "./_format.ts";
 * console.assert(binarySize(1536 * 1024) === "1.5MiB");
 * ```
 */
export function binarySize(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number(v.toFixed(2)).toString()}${units[i]}`;
}

/** A compiled `--format` template. */
export interface Template {
  /** Whether the template starts with `table` (print a header row). */
  readonly table: boolean;
  /** Column headers (for `table`). */
  readonly headers: string[];
  /** Render one value. */
  render(value: unknown): string;
}

type Node = { kind: "text"; text: string } | { kind: "expr"; expr: string };

function splitTemplate(src: string): Node[] {
  const nodes: Node[] = [];
  let at = 0;
  while (at < src.length) {
    const open = src.indexOf("{{", at);
    if (open < 0) {
      nodes.push({ kind: "text", text: src.slice(at) });
      break;
    }
    if (open > at) nodes.push({ kind: "text", text: src.slice(at, open) });
    const close = src.indexOf("}}", open);
    if (close < 0) throw new Error(`template: unclosed action in "${src}"`);
    nodes.push({
      kind: "expr",
      expr: src.slice(open + 2, close).trim().replace(/^-\s*|\s*-$/g, ""),
    });
    at = close + 2;
  }
  return nodes;
}

function tokenize(expr: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(expr))) {
    out.push(m[1] !== undefined ? JSON.stringify(JSON.parse(`"${m[1]}"`)) : m[2]!);
  }
  return out;
}

function lookupPath(value: unknown, path: string): unknown {
  if (path === ".") return value;
  let cur = value;
  for (const part of path.split(".").filter((p) => p !== "")) {
    if (cur === null || typeof cur !== "object") return undefined;
    const obj = cur as Record<string, unknown>;
    if (part in obj) cur = obj[part];
    else {
      const key = Object.keys(obj).find((k) => k.toLowerCase() === part.toLowerCase());
      cur = key === undefined ? undefined : obj[key];
    }
  }
  return cur;
}

function stringify(v: unknown): string {
  if (v === undefined || v === null) return "<no value>";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[${v.map(stringify).join(" ")}]`;
  if (typeof v === "object") {
    return `map[${
      Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a < b ? -1 : 1).map((
        [k, x],
      ) => `${k}:${stringify(x)}`).join(" ")
    }]`;
  }
  return String(v);
}

function evalTokens(tokens: string[], value: unknown): unknown {
  const arg = (t: string | undefined): unknown => {
    if (t === undefined) return undefined;
    if (t.startsWith('"')) return JSON.parse(t);
    if (t.startsWith(".")) return lookupPath(value, t);
    if (/^-?\d+$/.test(t)) return Number(t);
    return t;
  };
  const [head, ...rest] = tokens;
  switch (head) {
    case undefined:
      return "";
    case "json":
      return JSON.stringify(arg(rest[0]) ?? null);
    case "upper":
      return stringify(arg(rest[0])).toUpperCase();
    case "lower":
      return stringify(arg(rest[0])).toLowerCase();
    case "title": {
      const s = stringify(arg(rest[0]));
      return s.charAt(0).toUpperCase() + s.slice(1);
    }
    case "join": {
      const list = arg(rest[0]);
      return Array.isArray(list)
        ? list.map(stringify).join(String(arg(rest[1]) ?? ""))
        : stringify(list);
    }
    case "index": {
      const container = arg(rest[0]);
      const key = arg(rest[1]);
      if (container === null || typeof container !== "object") return undefined;
      return (container as Record<string, unknown>)[String(key)];
    }
    case "len": {
      const x = arg(rest[0]);
      return Array.isArray(x)
        ? x.length
        : typeof x === "string"
        ? x.length
        : x && typeof x === "object"
        ? Object.keys(x).length
        : 0;
    }
    case "println":
      return rest.map((t) => stringify(arg(t))).join(" ") + "\n";
    default:
      if (head.startsWith(".")) return lookupPath(value, head);
      throw new Error(`template: function "${head}" not defined`);
  }
}

/**
 * Compile a `--format` value.
 *
 * @param format The template text ("table {{.ID}}\t{{.Names}}", "{{json .}}", …).
 * @param headerNames Column titles by field name for `table` templates ("ID" → "CONTAINER ID").
 * @returns The compiled template.
 * @example
 * ```ts
 * import { compileTemplate } from "./_format.ts";
 * console.assert(compileTemplate("{{.A}}-{{upper .B}}").render({ A: 1, B: "x" }) === "1-X");
 * ```
 */
export function compileTemplate(
  format: string,
  headerNames: Record<string, string> = {},
): Template {
  let src = format;
  let table = false;
  if (src.startsWith("table")) {
    table = true;
    src = src.slice(5).trimStart();
  }
  src = src.replace(/\\t/g, "\t").replace(/\\n/g, "\n");
  const nodes = splitTemplate(src);
  // Expressions are tokenized once, not per row.
  const tokens = nodes.map((n) => (n.kind === "expr" ? tokenize(n.expr) : []));
  const headers: string[] = [];
  if (table) {
    const header = nodes.map((n) => {
      if (n.kind === "text") return n.text;
      const m = /^\.(\w+)$/.exec(n.expr);
      const field = m?.[1] ?? n.expr;
      return headerNames[field] ?? field.replace(/([a-z])([A-Z])/g, "$1 $2").toUpperCase();
    }).join("");
    headers.push(...header.split("\t"));
  }
  return {
    table,
    headers,
    render(value: unknown): string {
      let out = "";
      for (let i = 0; i < nodes.length; i++) {
        const n = nodes[i]!;
        out += n.kind === "text" ? n.text : stringify(evalTokens(tokens[i]!, value));
      }
      return out;
    },
  };
}

/**
 * Print values with a `--format` (or the default table), as Docker's list commands do.
 *
 * @param values The rows as objects with Docker's field names.
 * @param format The user's `--format` ("" = default), "json", "table", or a template.
 * @param defaultTable The default `table …` template.
 * @param headerNames Column titles by field.
 * @returns The text to print (no trailing newline), or "" when nothing to print.
 * @example
 * ```ts
 * import { formatList } from "./_format.ts";
 * console.assert(formatList([{ ID: "a" }], "{{.ID}}", "table {{.ID}}") === "a");
 * ```
 */
export function formatList(
  values: readonly unknown[],
  format: string,
  defaultTable: string,
  headerNames: Record<string, string> = {},
): string {
  if (format === "json") return values.map((v) => JSON.stringify(v)).join("\n");
  const tpl = compileTemplate(
    format === "" || format === "table" ? defaultTable : format,
    headerNames,
  );
  const rows = values.map((v) => tpl.render(v));
  if (!tpl.table) return rows.join("\n");
  return renderTable(tpl.headers, rows.map((r) => r.split("\t")));
}
