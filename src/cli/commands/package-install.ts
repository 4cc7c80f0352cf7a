import type { Command } from 'commander';
import { FlotillaError, isFlotillaError } from '../../core/errors.js';
import { readYaml } from '../../core/yaml-text.js';
import { context } from '../context.js';
import { printDeployResult } from '../format.js';
import { readLimited } from '../stack-file.js';

interface InstallOptions {
  name?: string;
  options?: string;
  version?: string;
}

/** Options as a JSON or YAML file (YAML reads JSON too); they must form an object. */
export function readOptionsFile(file: string): Record<string, unknown> {
  let value: unknown;
  const text = readLimited(file, 'options file', 'PACKAGE_OPTIONS_INVALID');
  try {
    // Bounded as the daemon reads stack files: nodes, nesting and aliases.
    value = readYaml(text, { what: `the options file ${file}`, code: 'PACKAGE_OPTIONS_INVALID' });
  } catch (err) {
    if (isFlotillaError(err)) throw err;
    throw new FlotillaError(
      'PACKAGE_OPTIONS_INVALID',
      `cannot read the options file ${file}: ${(err as Error).message}`,
    );
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new FlotillaError(
      'PACKAGE_OPTIONS_INVALID',
      `${file}: the options must be an object of option: value`,
    );
  }
  return value as Record<string, unknown>;
}

export function registerPackageInstall(pkg: Command): void {
  pkg
    .command('install')
    .description('install a package as a service')
    .argument('<package>', 'the package, e.g. redis')
    .option('--name <service>', 'the service name (default: the package name)')
    .option('--options <file>', 'the options, as a JSON or YAML file')
    .option('--version <version>', 'the package version (default: the latest)')
    .action(async (packageName: string, opts: InstallOptions, cmd: Command) => {
      const ctx = context(cmd);
      const options = opts.options ? readOptionsFile(opts.options) : undefined;
      const result = await (
        await ctx.client()
      ).installService({
        name: opts.name ?? packageName,
        package: packageName,
        ...(opts.version ? { version: opts.version } : {}),
        ...(options ? { options } : {}),
      });
      ctx.emit(result, printDeployResult);
    });
}
