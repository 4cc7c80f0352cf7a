import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { FlotillaError } from '../core/errors.js';

/**
 * Searched after PATH: a daemon started by systemd or cron often runs with a minimal PATH that lacks
 * the sbin directories where distributions put server programs.
 */
const EXTRA_DIRS = ['/usr/sbin', '/usr/local/bin', '/usr/bin'];

/** `redis-server` → `FLOTILLA_BIN_REDIS_SERVER`. */
export function binaryEnvVar(name: string): string {
  return `FLOTILLA_BIN_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

function isExecutable(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The absolute path of the program `name`, looked up on PATH and the usual system directories,
 * unless `FLOTILLA_BIN_<NAME>` points at it explicitly.
 */
export function resolveBinary(name: string, install: string, env: NodeJS.ProcessEnv = process.env): string {
  const envVar = binaryEnvVar(name);
  const override = env[envVar];
  if (override) {
    // An explicit choice that does not work is an error: silently falling back to PATH would run
    // a different program than the one the user asked for.
    if (isExecutable(override)) return path.resolve(override);
    throw new FlotillaError(
      'BINARY_MISSING',
      `${name} is not an executable file at ${override} (set by ${envVar}): fix or unset ${envVar}, or run "${install}"`,
      { binary: name, install },
    );
  }
  // Relative PATH entries (".", "bin") are skipped: the daemon's working directory must not decide
  // which program a service runs.
  const dirs = [...(env.PATH ?? '').split(path.delimiter), ...EXTRA_DIRS].filter((d) => path.isAbsolute(d));
  for (const dir of new Set(dirs)) {
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  throw new FlotillaError('BINARY_MISSING', `${name} is not installed on this machine: run "${install}"`, {
    binary: name,
    install,
  });
}

/** Every binary a package declares, by name: what `RenderContext.binaries` expects. */
export function resolveBinaries(
  binaries: { name: string; install: string }[],
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const b of binaries) out[b.name] = resolveBinary(b.name, b.install, env);
  return out;
}
