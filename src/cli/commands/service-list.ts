import type { Command } from 'commander';
import { context } from '../context.js';
import { readyCount } from '../format.js';
import { printTable } from '../output.js';

export function registerServiceList(service: Command): void {
  service
    .command('list')
    .description('list the services')
    .action(async (_opts, cmd: Command) => {
      const ctx = context(cmd);
      const services = await (await ctx.client()).listServices();
      ctx.emit(services, (list) => {
        if (list.length === 0) return void process.stdout.write('no services\n');
        printTable(
          ['name', 'package', 'version', 'stack', 'status', 'ready'],
          list.map((s) => [s.name, s.package, s.version, s.stack ?? '-', s.status, readyCount(s.tasks)]),
        );
      });
    });
}
