/**
 * The services the daemon hosts: images and containers on the one kernel.
 *
 * @module
 */
import type { DaemonService, ServiceFactory } from "./daemon.ts";

/**
 * Builds the container and image service. Until the kernel and the image store land it
 * registers no routes (the daemon answers 404 for them).
 *
 * @param _daemon The daemon.
 * @returns The service.
 */
export const containerServiceFactory: ServiceFactory = (_daemon): Promise<DaemonService> => {
  return Promise.resolve({
    register() {},
    async stop() {},
  });
};
