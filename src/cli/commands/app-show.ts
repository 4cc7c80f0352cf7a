import type { Command } from 'commander';
import type { AppView } from '../../core/api-schemas.js';
import { context } from '../context.js';
import { printTasks } from '../format.js';
import { printFields } from '../output.js';

function printApp(a: AppView): void {
  const spec = a.spec as { cmd?: string; args?: string[]; cpus?: number; mem?: number; ports?: number[] };
  printFields([
    ['id', a.id],
    ['stack', a.stack ?? '-'],
    ['status', a.status],
    ['instances', `${a.instances} (${a.tasksRunning} running, ${a.tasksHealthy} healthy)`],
    ['command', spec.cmd ?? spec.args?.join(' ') ?? '-'],
    ['resources', `cpus ${spec.cpus ?? '-'}, mem ${spec.mem ?? '-'} MB`],
    ['ports', spec.ports?.join(', ') || '-'],
  ]);
  process.stdout.write('\n');
  printTasks(a.tasks);
}

export function registerAppShow(app: Command): void {
  app
    .command('show')
    .description('show an app and its tasks (--json for its full definition)')
    .argument('<id>', 'the app')
    .action(async (id: string, _opts, cmd: Command) => {
      const ctx = context(cmd);
      ctx.emit(await (await ctx.client()).getApp(id), printApp);
    });
}
