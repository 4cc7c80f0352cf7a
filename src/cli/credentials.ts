import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ClientOptions } from '../client/client.js';
import type { AddressSource } from './home.js';

/** Where `flotilla login` keeps tokens, by daemon address (mode 0600). */
export function credentialsFile(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  return path.join(base, 'flotilla', 'credentials.json');
}

function readCredentials(env: NodeJS.ProcessEnv): Record<string, string> {
  try {
    return JSON.parse(fs.readFileSync(credentialsFile(env), 'utf8')) as Record<string, string>;
  } catch {
    return {};
  }
}

/** Stores (or with null, forgets) the token for a daemon address; the file is the user's alone. */
export function saveCredential(
  address: string,
  token: string | null,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const file = credentialsFile(env);
  const all = readCredentials(env);
  if (token === null) delete all[address];
  else all[address] = token;
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(all, null, 2) + '\n', { mode: 0o600 });
  fs.renameSync(tmp, file);
  return file;
}

/**
 * The token the CLI sends, in order: FLOTILLA_TOKEN; what `flotilla login` stored for this address;
 * and, for the home's own daemon, the admin token it wrote on first start (so the embedded default
 * needs no ceremony). The tenant to act for comes from FLOTILLA_TENANT (or --tenant).
 */
export function clientOptions(
  home: string,
  address: string,
  source: AddressSource,
  env: NodeJS.ProcessEnv = process.env,
): ClientOptions {
  const tenant = env.FLOTILLA_TENANT || undefined;
  const token =
    env.FLOTILLA_TOKEN ||
    readCredentials(env)[address] ||
    (source !== 'FLOTILLA_ADDR' ? adminToken(home) : undefined);
  return { ...(token ? { token } : {}), ...(tenant ? { tenant } : {}) };
}

function adminToken(home: string): string | undefined {
  try {
    return fs.readFileSync(path.join(home, 'admin.token'), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
