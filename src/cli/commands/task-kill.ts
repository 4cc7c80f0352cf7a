import type { Command } from 'commander';
import { context } from '../context.js';

export function registerTaskKill(task: Command): void {
  task
    .command('kill')
    .description('kill a task (SIGTERM, then SIGKILL); it is relaunched, as Marathon does')
    .argument('<id>', 'the task, e.g. cache.redis-0')
    .action(async (id: string, _opts, cmd: Command) => {
      const ctx = context(cmd);
      const t = await (await ctx.client()).killTask(id);
      ctx.emit(t, (v) => process.stdout.write(`killed ${v.id}; the daemon relaunches it (${v.state} now)\n`));
    });
}
