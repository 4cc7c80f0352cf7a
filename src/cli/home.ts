import { isAlive } from '../core/pids.js';
import { defaultHome } from '../core/paths.js';
import fs from 'node:fs';
import path from 'node:path';
import { FlotillaError } from '../core/errors.js';

/** Mirrors the daemon's defaults (src/daemon/config.ts), which the CLI may not import. */
export const DEFAULT_LISTEN = '127.0.0.1:4740';

/** What a listening daemon publishes in $FLOTILLA_HOME/daemon.json. */
export interface DaemonInfo {
  pid: number;
  address: string;
  home: string;
  version: string;
  startedAt: number;
}

export function resolveHome(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag ? path.resolve(flag) : defaultHome(env);
}

export function daemonInfoPath(home: string): string {
  return path.join(home, 'daemon.json');
}

export function daemonLogPath(home: string): string {
  return path.join(home, 'logs', 'daemon.log');
}

/**
 * The daemon.json of `home` if its daemon still lives. A daemon killed with SIGKILL leaves the file
 * behind; its dead pid is how we know not to trust the address in it.
 */
export function daemonInfo(home: string): DaemonInfo | null {
  let info: DaemonInfo;
  try {
    info = JSON.parse(fs.readFileSync(daemonInfoPath(home), 'utf8')) as DaemonInfo;
  } catch {
    return null;
  }
  if (!Number.isInteger(info.pid) || info.pid <= 0 || typeof info.address !== 'string') return null;
  return isAlive(info.pid) ? info : null;
}

export type AddressSource = 'FLOTILLA_ADDR' | 'daemon.json' | 'default';

/**
 * Where the daemon should be, in order: FLOTILLA_ADDR, the live daemon.json of the home, then the
 * address the daemon listens on by default. `address` is null when the default is "any free port":
 * then only daemon.json can tell.
 */
export function resolveAddress(
  home: string,
  env: NodeJS.ProcessEnv = process.env,
): { address: string | null; source: AddressSource } {
  if (env.FLOTILLA_ADDR) return { address: checkAddress(env.FLOTILLA_ADDR), source: 'FLOTILLA_ADDR' };
  const info = daemonInfo(home);
  if (info) return { address: info.address, source: 'daemon.json' };
  return { address: listenAddress(env.FLOTILLA_LISTEN ?? DEFAULT_LISTEN), source: 'default' };
}

function listenAddress(listen: string): string | null {
  const i = listen.lastIndexOf(':');
  const host = i < 0 ? '127.0.0.1' : listen.slice(0, i).replace(/^\[|\]$/g, '');
  const port = Number(i < 0 ? listen : listen.slice(i + 1));
  if (!Number.isInteger(port) || port <= 0) return null;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** FLOTILLA_ADDR as the client will use it: an http:// URL of a host and port. */
function checkAddress(value: string): string {
  let url: URL | null = null;
  try {
    url = new URL(value);
  } catch {
    // reported below
  }
  if (!url || url.protocol !== 'http:' || url.hostname === '')
    throw new FlotillaError(
      'VALIDATION_FAILED',
      `FLOTILLA_ADDR=${value}: give the daemon's address as an http:// URL, e.g. http://127.0.0.1:4740`,
    );
  return value;
}
