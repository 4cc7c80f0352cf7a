import type { Command } from 'commander';
import { context } from '../context.js';
import { readyCount } from '../format.js';
import { age, printTable } from '../output.js';

export function registerStackList(stack: Command): void {
  stack
    .command('list')
    .description('list the stacks')
    .action(async (_opts, cmd: Command) => {
      const ctx = context(cmd);
      const stacks = await (await ctx.client()).listStacks();
      ctx.emit(stacks, (list) => {
        if (list.length === 0) return void process.stdout.write('no stacks\n');
        printTable(
          ['name', 'status', 'services', 'apps', 'ready', 'updated'],
          list.map((s) => [
            s.name,
            s.status,
            s.services.join(',') || '-',
            s.apps.join(',') || '-',
            readyCount(s.tasks),
            `${age(s.updatedAt)} ago`,
          ]),
        );
      });
    });
}
