import { FlotillaClient } from '../client/client.js';
import type { HealthView } from '../core/api-schemas.js';
import { FlotillaError, isFlotillaError } from '../core/errors.js';
import { clientOptions } from './credentials.js';
import { spawnBackground, waitForDaemon } from './daemon-process.js';
import { daemonLogPath, resolveAddress } from './home.js';

export { daemonInfo, resolveAddress, type DaemonInfo } from './home.js';

export interface ConnectOptions {
  home: string;
  json: boolean;
  /** Start a daemon in the background when none answers (never when FLOTILLA_ADDR is set). */
  autostart?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface Connected {
  client: FlotillaClient;
  health: HealthView;
}

/** A client for the daemon of `opts.home`, starting one first if none runs (as pm2 and Gradle do). */
export async function connect(opts: ConnectOptions): Promise<FlotillaClient> {
  const env = opts.env ?? process.env;
  const found = await probe(opts.home, env);
  if (found) return found.client;
  if (env.FLOTILLA_ADDR || opts.autostart === false) {
    const { address, source } = resolveAddress(opts.home, env);
    throw new FlotillaError(
      'DAEMON_UNREACHABLE',
      address
        ? `no Flotilla daemon answers at ${address} (from ${source})`
        : `no Flotilla daemon runs for ${opts.home}`,
    );
  }
  return startInBackground(opts.home, !opts.json, env);
}

/**
 * The daemon that answers for `home`, or null if none does. Errors other than "nobody answers" are
 * thrown: a daemon that answers badly must be reported, not replaced.
 */
export async function probe(home: string, env: NodeJS.ProcessEnv = process.env): Promise<Connected | null> {
  const { address, source } = resolveAddress(home, env);
  if (!address) return null;
  const client = new FlotillaClient(address, clientOptions(home, address, source, env));
  let health: HealthView;
  try {
    health = await client.health();
  } catch (err) {
    if (isFlotillaError(err) && err.code === 'DAEMON_UNREACHABLE') return null;
    throw err;
  }
  // The default port may belong to the daemon of another home; using it would show another truth.
  if (source === 'default' && health.home !== home) {
    throw new FlotillaError(
      'DAEMON_UNREACHABLE',
      `${address} is taken by the Flotilla daemon of ${health.home}, not of ${home}; ` +
        'set FLOTILLA_LISTEN=127.0.0.1:0 (any free port) to run another one, or FLOTILLA_ADDR to use that one',
    );
  }
  return { client, health };
}

/** `announce`: say so on stderr, since the user did not ask for a daemon (false under --json). */
export async function startInBackground(
  home: string,
  announce: boolean,
  env: NodeJS.ProcessEnv = process.env,
): Promise<FlotillaClient> {
  const started = spawnBackground(home, env);
  if (announce) process.stderr.write(`started a Flotilla daemon (log: ${daemonLogPath(home)})\n`);
  const client = await waitForDaemon(home, started);
  return new FlotillaClient(client.address, clientOptions(home, client.address, 'daemon.json', env));
}
