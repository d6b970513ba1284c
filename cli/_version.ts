/**
 * The Berth version (kept apart from main.ts so commands can import it).
 *
 * @module
 */

/** The Berth version. */
export const VERSION = "0.1.0";
