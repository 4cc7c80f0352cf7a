import { daemonIdOf, type DaemonConfig } from '../../src/daemon/config.js';
import { forgetHome } from '../../src/isolation/forget.js';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { FlotillaClient } from '../../src/client/client.js';
import type { NodeOffer } from '../../src/core/node.js';
import { startDaemon, type RunningDaemon } from '../../src/daemon/daemon.js';
import { removeDockerLeftovers } from './docker.js';
import { adminToken } from './flotilla.js';

export interface InProcessDaemon {
  home: string;
  daemon: RunningDaemon;
  /** A client with the cluster-admin token the daemon wrote on first start. */
  admin: FlotillaClient;
  /** A client of the same daemon with another token or tenant. */
  client(options: { token?: string; tenant?: string }): FlotillaClient;
  /** Plain HTTP, for what the typed client does not send (bad bodies, other tokens, no token). */
  raw(method: string, url: string, body?: string, token?: string): Promise<{ status: number; body: string }>;
  /** Stops the daemon and its tasks and removes the home. */
  stop(): Promise<void>;
}

/**
 * A real daemon in this process with 3 virtual nodes (of 2 CPUs and 4 GB unless told), its own home
 * and its own slice of ports (`portBase` keeps test files that run side by side apart).
 */
export async function startInProcessDaemon(
  name: string,
  portBase: number,
  nodeOffer: NodeOffer = { cpus: 2, mem: 4096, disk: 10240, ports: 100, labels: {} },
  settings: Partial<DaemonConfig> = {},
): Promise<InProcessDaemon> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), `flotilla-${name}-`));
  const lo = portBase + Math.floor(Math.random() * 20) * 100;
  const daemon = await startDaemon(
    {
      home,
      host: '127.0.0.1',
      port: 0,
      portRange: [lo, lo + 99],
      nodes: 3,
      nodeOffer,
      auth: true,
      dns: { host: '127.0.0.1', port: 0 },
      artifactsDir: null,
      ...settings,
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
    raw: (method, url, body, token) => rawRequest(new URL(url, daemon.info.address), method, body, token),
    stop: async () => {
      await daemon.stop(true);
      // Volumes `down` keeps on purpose go with the home (containers too, should one be left).
      await removeDockerLeftovers(daemonIdOf(home));
      await forgetHome(home);
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}

/**
 * One HTTP request with a raw body and an optional token: what the typed client would not send.
 * `path`, when given, is sent exactly as written (a URL would normalise its dot segments).
 */
export function rawRequest(
  url: URL,
  method: string,
  body?: string | Buffer,
  token?: string,
  { contentType = 'application/json', path }: { contentType?: string; path?: string } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method,
      ...(path ? { path } : {}),
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body ? { 'content-type': contentType } : {}),
      },
    });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
