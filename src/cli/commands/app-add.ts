import type { Command } from 'commander';
import { FlotillaError } from '../../core/errors.js';
import { context } from '../context.js';
import { printDeployResult } from '../format.js';
import { readLimited } from '../stack-file.js';

function readAppFile(file: string): unknown {
  // Its size first: a file over the limit is refused before a byte of it is read.
  const text = readLimited(file, 'app definition', 'APP_INVALID');
  try {
    return JSON.parse(text);
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
