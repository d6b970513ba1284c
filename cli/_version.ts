/**
 * The Berth version and the Engine API version it speaks (kept apart from main.ts so
 * commands can import them).
 *
 * @module
 */

/** The Berth version. */
export const VERSION = "0.1.0";

/** The Engine API version Berth speaks (the CLI's requests are `/v1.47/…`). */
export const API_VERSION = "1.47";
