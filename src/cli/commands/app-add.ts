import fs from 'node:fs';
import type { Command } from 'commander';
import { FlotillaError } from '../../core/errors.js';
import { context } from '../context.js';
import { printDeployResult } from '../format.js';

function readAppFile(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new FlotillaError(
      'APP_INVALID',
      `cannot read the app definition ${file}: ${(err as Error).message}`,
    );
  }
}

export function registerAppAdd(app: Command): void {
  app
    .command('add')
    .description('add an app from a Marathon app definition (JSON)')
    .argument('<file>', 'the app definition, e.g. app.json')
    .action(async (file: string, _opts, cmd: Command) => {
      const ctx = context(cmd);
      // Sent as written: the daemon validates it and names the field to fix.
      const result = await (await ctx.client()).addApp(readAppFile(file));
      ctx.emit(result, printDeployResult);
    });
}
