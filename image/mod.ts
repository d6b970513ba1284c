/**
 * Berth images: the OCI image-layout store, indexed tar layers, import/export and build.
 *
 * @module
 */
export { stateRoot } from "./state_root.ts";
