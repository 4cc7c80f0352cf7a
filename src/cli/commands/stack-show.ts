import type { Command } from 'commander';
import type { StackView } from '../../core/api-schemas.js';
import { context } from '../context.js';
import { printTasks, readyCount } from '../format.js';
import { age, printFields } from '../output.js';

function printStack(s: StackView): void {
  printFields([
    ['name', s.name],
    ['status', `${s.status} (${readyCount(s.tasks)} tasks ready)`],
    ['services', s.services.join(', ') || '-'],
    ['apps', s.apps.join(', ') || '-'],
    ['created', `${s.createdAt} (${age(s.createdAt)} ago)`],
    ['updated', `${s.updatedAt} (${age(s.updatedAt)} ago)`],
  ]);
  process.stdout.write('\n');
  printTasks(s.tasks);
}

export function registerStackShow(stack: Command): void {
  stack
    .command('show')
    .description('show a stack and its tasks')
    .argument('<name>', 'the stack')
    .action(async (name: string, _opts, cmd: Command) => {
      const ctx = context(cmd);
      ctx.emit(await (await ctx.client()).getStack(name), printStack);
    });
}
