import type { Command } from 'commander';
import type { PackageDescription } from '../../client/client.js';
import { context } from '../context.js';
import { renderTable } from '../output.js';

interface PropertySchema {
  type?: string | string[];
  enum?: unknown[];
  default?: unknown;
  description?: string;
  writeOnly?: boolean;
}

/** One row per option of the package's JSON Schema; secrets are marked so that users know. */
export function optionRows(schema: Record<string, unknown>): string[][] {
  const props = (schema.properties ?? {}) as Record<string, PropertySchema>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(props).map(([name, p]) => {
    const type = [p.type ?? 'any'].flat().join('|');
    const dflt = p.default === undefined ? (required.has(name) ? '(required)' : '-') : show(p.default);
    // Long enums would stretch the type column past the screen; they read better as prose.
    const choices = p.enum ? `One of: ${p.enum.map(show).join(', ')}.` : '';
    const description = [p.description, choices, p.writeOnly ? '(secret)' : ''].filter((s) => s).join(' ');
    return [name, type, dflt, description];
  });
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function printDescription(p: PackageDescription): void {
  const lines = [`${p.name} ${p.version}`, `  ${p.description}`, ''];
  const rows = optionRows(p.optionsSchema);
  lines.push(
    rows.length > 0 ? renderTable(['option', 'type', 'default', 'description'], rows) : 'no options',
  );
  if (p.binaries.length > 0) {
    lines.push('', 'needs these programs:');
    for (const b of p.binaries) lines.push(`  ${b.name}: ${b.install}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function registerPackageDescribe(pkg: Command): void {
  pkg
    .command('describe')
    .description('show a package and the options it accepts')
    .argument('<name>', 'the package, e.g. redis')
    .action(async (name: string, _opts, cmd: Command) => {
      const ctx = context(cmd);
      const p = await (await ctx.client()).describePackage(name);
      ctx.emit(p, printDescription);
    });
}
