/**
 * Messages to ourselves: each one is a host macrotask turn (microseconds), where a
 * `setTimeout(0)` sleeps ~1–2 ms. The port keeps the host's event loop alive only while a
 * message is pending. node:worker_threads' port is used because its `unref()` works in Deno
 * (the web MessagePort's does not release the event loop once receiving started).
 *
 * @module
 */
import { MessageChannel } from "node:worker_threads";

/**
 * A port that posts to itself.
 *
 * @example
 * ```ts
 * import { SelfPort } from "./self_port.ts";
 * const got: number[] = [];
 * const port = new SelfPort<number>((m) => got.push(m));
 * port.post(1);
 * await new Promise((r) => setTimeout(r, 10));
 * console.assert(got[0] === 1);
 * port.close();
 * ```
 */
export class SelfPort<T> {
  #channel: MessageChannel | null = null;
  #pending = 0;
  readonly #onMessage: (message: T) => void;

  /**
   * Create it (the channel is made at the first post).
   *
   * @param onMessage Called with each message, in order, one host turn after its post.
   */
  constructor(onMessage: (message: T) => void) {
    this.#onMessage = onMessage;
  }

  /**
   * Post a message to ourselves.
   *
   * @param message What `onMessage` receives.
   */
  post(message: T): void {
    if (!this.#channel) {
      this.#channel = new MessageChannel();
      this.#channel.port1.on("message", (m: T) => {
        if (--this.#pending === 0) this.#channel?.port1.unref();
        this.#onMessage(m);
      });
    }
    if (this.#pending++ === 0) this.#channel.port1.ref();
    this.#channel.port2.postMessage(message);
  }

  /** Close the channel; messages still pending are dropped, and a later post makes a new one. */
  close(): void {
    this.#channel?.port1.close();
    this.#channel?.port2.close();
    this.#channel = null;
    this.#pending = 0;
  }
}
