import type { Command } from 'commander';
import { context } from '../context.js';
import { printDeployResult } from '../format.js';
import { wholeNumber } from '../options.js';

export function registerAppScale(app: Command): void {
  app
    .command('scale')
    .description('change the number of instances of an app')
    .argument('<id>', 'the app')
    .argument('<instances>', 'how many instances (0 stops them all)', wholeNumber)
    .action(async (id: string, instances: number, _opts, cmd: Command) => {
      const ctx = context(cmd);
      ctx.emit(await (await ctx.client()).scaleApp(id, instances), printDeployResult);
    });
}
