import { FlotillaError } from '../core/errors.js';
import { LIMITS, formatBytes } from '../core/limits.js';
import type { LaunchSpec } from '../core/task.js';

/**
 * Refuses a launch spec that can never start, at planning (so `up --dry-run` shows it too), rather
 * than storing it to crash-loop: a command with nothing to run, or arguments and environment past
 * what the kernel lets a program start with (execve's E2BIG, which no retry cures).
 */
export function checkLaunchable(spec: LaunchSpec, where: string, instances = 1): number {
  // A container without a command runs its image's own.
  if (!spec.container?.imageCommand) {
    if (spec.cmd !== undefined && spec.cmd.trim() === '')
      throw new FlotillaError('APP_INVALID', `${where}.cmd: is empty: give the command to run`);
    if (spec.cmd === undefined && (spec.args ?? []).length === 0)
      throw new FlotillaError(
        'APP_INVALID',
        `${where}.args: is empty: give the program to run and its arguments`,
      );
    if (spec.cmd === undefined && spec.args![0]!.trim() === '')
      throw new FlotillaError('APP_INVALID', `${where}.args[0]: is empty: name the program to run`);
  }
  const args = spec.cmd !== undefined ? ['/bin/sh', '-c', spec.cmd] : (spec.args ?? []);
  let total = 0;
  const count = (text: string, what: string) => {
    // Each string is copied with its terminating NUL, and its pointer takes 8 bytes more.
    const bytes = Buffer.byteLength(text) + 1;
    if (bytes > LIMITS.argBytes)
      throw new FlotillaError(
        'ENV_TOO_LARGE',
        `${where}.${what} is ${formatBytes(bytes)}; a program cannot be started with one argument or environment entry over ${formatBytes(LIMITS.argBytes)}`,
      );
    total += bytes + 8;
  };
  args.forEach((a, i) => count(a, spec.cmd !== undefined ? 'cmd' : `args[${i}]`));
  for (const [k, v] of Object.entries(spec.env)) count(`${k}=${v}`, `env.${k}`);
  if (total > LIMITS.launchBytes)
    throw new FlotillaError(
      'ENV_TOO_LARGE',
      `${where}: its arguments and environment take ${formatBytes(total)}; the limit is ${formatBytes(LIMITS.launchBytes)}`,
    );
  if (total * instances > LIMITS.ownerLaunchBytes)
    throw new FlotillaError(
      'ENV_TOO_LARGE',
      `${where}: its ${instances} instances carry ${formatBytes(total * instances)} of arguments and environment together; ` +
        `the limit is ${formatBytes(LIMITS.ownerLaunchBytes)}`,
    );
  return total;
}
