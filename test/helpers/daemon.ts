import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FlotillaClient } from '../../src/client/client.js';
import { startDaemon, type RunningDaemon } from '../../src/daemon/daemon.js';
import { adminToken } from './flotilla.js';

export interface InProcessDaemon {
  home: string;
  daemon: RunningDaemon;
  /** A client with the cluster-admin token the daemon wrote on first start. */
  admin: FlotillaClient;
  /** A client of the same daemon with another token or tenant. */
  client(options: { token?: string; tenant?: string }): FlotillaClient;
  /** Stops the daemon and its tasks and removes the home. */
  stop(): Promise<void>;
}

/**
 * A real daemon in this process with 3 virtual nodes of 2 CPUs and 4 GB, its own home and its own
 * slice of ports (`portBase` keeps test files that run side by side apart).
 */
export async function startInProcessDaemon(name: string, portBase: number): Promise<InProcessDaemon> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), `flotilla-${name}-`));
  const lo = portBase + Math.floor(Math.random() * 20) * 100;
  const daemon = await startDaemon(
    {
      home,
      host: '127.0.0.1',
      port: 0,
      portRange: [lo, lo + 99],
      nodes: 3,
      nodeOffer: { cpus: 2, mem: 4096, disk: 10240, ports: 100, labels: {} },
      auth: true,
      dns: { host: '127.0.0.1', port: 0 },
      artifactsDir: null,
    },
    () => undefined,
  );
  const client = (options: { token?: string; tenant?: string }) =>
    new FlotillaClient(daemon.info.address, options);
  return {
    home,
    daemon,
    admin: client({ token: adminToken(home) }),
    client,
    stop: async () => {
      await daemon.stop(true);
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}
