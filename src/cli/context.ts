import type { Command } from 'commander';
import type { FlotillaClient } from '../client/client.js';
import { connect } from './connect.js';
import { resolveHome } from './home.js';
import { printJson } from './output.js';

/** What every command needs: the global options and a way to reach the daemon. */
export interface Context {
  json: boolean;
  home: string;
  /** Connects (autostarting a daemon if needed) on first use. */
  client(): Promise<FlotillaClient>;
  /** Prints `value` as JSON under --json, else calls `human`. */
  emit<T>(value: T, human: (value: T) => void): void;
}

export function context(cmd: Command): Context {
  const globals = cmd.optsWithGlobals<{ json?: boolean; home?: string; tenant?: string }>();
  const json = globals.json === true;
  const home = resolveHome(globals.home);
  const env = globals.tenant ? { ...process.env, FLOTILLA_TENANT: globals.tenant } : process.env;
  let client: Promise<FlotillaClient> | undefined;
  return {
    json,
    home,
    client: () => (client ??= connect({ home, json, env })),
    emit: (value, human) => (json ? printJson(value) : human(value)),
  };
}
