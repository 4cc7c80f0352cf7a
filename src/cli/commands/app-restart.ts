import type { Command } from 'commander';
import { context } from '../context.js';

export function registerAppRestart(app: Command): void {
  app
    .command('restart')
    .description('replace every instance of an app, one at a time')
    .argument('<id>', 'the app')
    .action(async (id: string, _opts, cmd: Command) => {
      const ctx = context(cmd);
      const a = await (await ctx.client()).restartApp(id);
      ctx.emit(a, (v) => process.stdout.write(`restarting ${v.id}: ${v.tasks.length} task(s) to replace\n`));
    });
}
