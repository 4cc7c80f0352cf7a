import type { Command } from 'commander';
import { context } from '../context.js';
import { ENDPOINT_HEADERS, endpointRows } from '../format.js';
import { printTable } from '../output.js';

export function registerServiceEndpoints(service: Command): void {
  service
    .command('endpoints')
    .description("print a service's endpoints: addresses and connection strings")
    .argument('<name>', 'the service')
    .action(async (name: string, _opts, cmd: Command) => {
      const ctx = context(cmd);
      const endpoints = await (await ctx.client()).endpoints(name);
      ctx.emit(endpoints, (list) => {
        const rows = endpointRows(name, list);
        if (rows.length === 0) return void process.stdout.write('no endpoints (is the service running?)\n');
        printTable(ENDPOINT_HEADERS, rows);
      });
    });
}
