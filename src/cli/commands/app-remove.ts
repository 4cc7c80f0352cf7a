import type { Command } from 'commander';
import { context } from '../context.js';

export function registerAppRemove(app: Command): void {
  app
    .command('remove')
    .description('remove an app: stop its tasks and forget it')
    .argument('<id>', 'the app')
    .option('--purge', "also delete its tasks' data")
    .action(async (id: string, opts: { purge?: boolean }, cmd: Command) => {
      const ctx = context(cmd);
      await (await ctx.client()).removeApp(id, opts.purge === true);
      ctx.emit({ removed: id, purged: opts.purge === true }, () =>
        process.stdout.write(`removed app ${id}${opts.purge ? ' and its data' : ''}\n`),
      );
    });
}
