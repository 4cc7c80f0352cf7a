import type { Command } from 'commander';
import { context } from '../context.js';
import { printTable } from '../output.js';

export function registerAppList(app: Command): void {
  app
    .command('list')
    .description('list the apps')
    .action(async (_opts, cmd: Command) => {
      const ctx = context(cmd);
      const apps = await (await ctx.client()).listApps();
      ctx.emit(apps, (list) => {
        if (list.length === 0) return void process.stdout.write('no apps\n');
        printTable(
          ['id', 'stack', 'status', 'instances', 'running', 'healthy'],
          list.map((a) => [
            a.id,
            a.stack ?? '-',
            a.status,
            String(a.instances),
            String(a.tasksRunning),
            String(a.tasksHealthy),
          ]),
        );
      });
    });
}
