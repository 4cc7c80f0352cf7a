import type { Command } from 'commander';
import type { ServiceView } from '../../core/api-schemas.js';
import { context } from '../context.js';
import { ENDPOINT_HEADERS, endpointRows, printTasks } from '../format.js';
import { printFields, printTable } from '../output.js';

function printService(s: ServiceView): void {
  printFields([
    ['name', s.name],
    ['package', `${s.package} ${s.version}`],
    ['stack', s.stack ?? '-'],
    ['status', s.status],
    ['depends on', s.dependencies.join(', ') || '-'],
    ...Object.entries(s.options).map(([k, v]): [string, string] => [
      `option ${k}`,
      typeof v === 'string' ? v : JSON.stringify(v),
    ]),
  ]);
  process.stdout.write('\n');
  printTasks(s.tasks);
  const rows = endpointRows(s.name, s.endpoints);
  if (rows.length > 0) {
    process.stdout.write('\n');
    printTable(ENDPOINT_HEADERS, rows);
  }
}

export function registerServiceShow(service: Command): void {
  service
    .command('show')
    .description('show a service: its options, tasks and endpoints')
    .argument('<name>', 'the service')
    .action(async (name: string, _opts, cmd: Command) => {
      const ctx = context(cmd);
      ctx.emit(await (await ctx.client()).getService(name), printService);
    });
}
