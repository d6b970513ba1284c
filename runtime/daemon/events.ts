/**
 * The daemon's event stream (`GET /events`): container and image events in Docker's
 * shape, kept in a short ring for `since` and fanned out to live subscribers.
 *
 * @module
 */

/** One event, as Docker's `/events` sends it. */
export interface DaemonEvent {
  /** "container" | "image" | "daemon". */
  Type: string;
  /** "create", "start", "die", "destroy", "pause", "unpause", "kill", "stop", "rename", "tag", "untag", "delete", "import", "load", "save", "commit", "exec_create", "exec_start", "exec_die", … */
  Action: string;
  /** The object. */
  Actor: { ID: string; Attributes: Record<string, string> };
  /** "local". */
  scope: "local";
  /** Seconds since the epoch. */
  time: number;
  /** Nanoseconds since the epoch. */
  timeNano: number;
  /** Legacy: status (= Action). */
  status?: string;
  /** Legacy: id. */
  id?: string;
  /** Legacy: image name (container events). */
  from?: string;
}

/**
 * Publish/subscribe for daemon events.
 *
 * @example
 * ```ts
 * import { EventBus } from "./events.ts";
 * const bus = new EventBus();
 * const seen: string[] = [];
 * const off = bus.subscribe((e) => seen.push(e.Action));
 * bus.emit("container", "start", "abc", { name: "web" });
 * off();
 * console.assert(seen[0] === "start");
 * ```
 */
export class EventBus {
  #subs = new Set<(e: DaemonEvent) => void>();
  #recent: DaemonEvent[] = [];

  /**
   * Emit an event.
   *
   * @param type Object type.
   * @param action What happened.
   * @param id Object id.
   * @param attributes Extra attributes (name, image, exitCode, signal, …).
   */
  emit(type: string, action: string, id: string, attributes: Record<string, string> = {}): void {
    const nowMs = Date.now();
    const event: DaemonEvent = {
      Type: type,
      Action: action,
      Actor: { ID: id, Attributes: attributes },
      scope: "local",
      time: Math.floor(nowMs / 1000),
      timeNano: nowMs * 1_000_000,
    };
    if (type === "container") {
      event.status = action;
      event.id = id;
      if (attributes.image) event.from = attributes.image;
    }
    this.#recent.push(event);
    if (this.#recent.length > 1000) this.#recent.splice(0, this.#recent.length - 1000);
    for (const s of this.#subs) {
      try {
        s(event);
      } catch { /* a subscriber's failure is its own */ }
    }
  }

  /**
   * Subscribe to new events.
   *
   * @param fn Called for each event.
   * @returns A function that unsubscribes.
   */
  subscribe(fn: (e: DaemonEvent) => void): () => void {
    this.#subs.add(fn);
    return () => this.#subs.delete(fn);
  }

  /**
   * Past events since a time (kept: the last 1000).
   *
   * @param sinceMs Milliseconds since the epoch.
   * @returns The events at or after it.
   */
  since(sinceMs: number): DaemonEvent[] {
    return this.#recent.filter((e) => e.timeNano / 1_000_000 >= sinceMs);
  }
}
