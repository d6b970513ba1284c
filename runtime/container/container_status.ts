/**
 * Docker's words for times and states: "2 minutes", "Up 3 seconds",
 * "Exited (0) 5 seconds ago". Shared by the daemon (`/containers/json` Status) and
 * the CLI.
 *
 * @module
 */

/**
 * A duration in words, as Docker's `units.HumanDuration` ("2 minutes", "About an hour").
 *
 * @param ms Milliseconds.
 * @returns Words.
 * @example
 * ```ts
 * import { humanDuration } from "./container_status.ts";
 * console.assert(humanDuration(3000) === "3 seconds");
 * ```
 */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 1) return "Less than a second";
  if (s === 1) return "1 second";
  if (s < 60) return `${s} seconds`;
  const m = Math.floor(ms / 60000);
  if (m === 1) return "About a minute";
  if (m < 60) return `${m} minutes`;
  const h = Math.floor(ms / 3_600_000 + 0.5);
  if (h === 1) return "About an hour";
  if (h < 48) return `${h} hours`;
  if (h < 24 * 7 * 2) return `${Math.floor(h / 24)} days`;
  if (h < 24 * 30 * 2) return `${Math.floor(h / 24 / 7)} weeks`;
  if (h < 24 * 365 * 2) return `${Math.floor(h / 24 / 30)} months`;
  return `${Math.floor(h / 24 / 365)} years`;
}

/**
 * "N units ago" from a time.
 *
 * @param when The past time (ms since epoch, or an ISO string).
 * @param now The present (default now).
 * @returns e.g. "5 seconds ago".
 * @example
 * ```ts
 * import { timeAgo } from "./container_status.ts";
 * console.assert(timeAgo(0, 120_000) === "2 minutes ago");
 * ```
 */
export function timeAgo(when: number | string, now: number = Date.now()): string {
  const t = typeof when === "string" ? Date.parse(when) : when;
  return `${humanDuration(Math.max(0, now - t))} ago`;
}

/** The container state fields a status word needs. */
export interface StatusInput {
  /** "created" | "running" | "paused" | "restarting" | "exited" | "dead" | "removing". */
  Status: string;
  /** Exit code. */
  ExitCode?: number;
  /** ISO start time. */
  StartedAt?: string;
  /** ISO finish time. */
  FinishedAt?: string;
}

/**
 * Docker's status column: "Up 3 seconds", "Up 2 minutes (Paused)", "Exited (0) 5 seconds ago",
 * "Created".
 *
 * @param s The state.
 * @param now The present.
 * @returns The status words.
 * @example
 * ```ts
 * import { statusWords } from "./container_status.ts";
 * console.assert(statusWords({ Status: "created" }) === "Created");
 * ```
 */
export function statusWords(s: StatusInput, now: number = Date.now()): string {
  switch (s.Status) {
    case "running":
    case "paused": {
      const up = `Up ${
        humanDuration(now - Date.parse(s.StartedAt ?? new Date(now).toISOString()))
      }`;
      return s.Status === "paused" ? `${up} (Paused)` : up;
    }
    case "restarting":
      return `Restarting (${s.ExitCode ?? 0}) ${timeAgo(s.FinishedAt ?? now, now)}`;
    case "exited":
      return `Exited (${s.ExitCode ?? 0}) ${timeAgo(s.FinishedAt ?? now, now)}`;
    case "dead":
      return "Dead";
    case "removing":
      return "Removal In Progress";
    default:
      return "Created";
  }
}
