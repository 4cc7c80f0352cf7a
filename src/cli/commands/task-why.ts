import type { Command } from 'commander';
import { context } from '../context.js';
import { printTable } from '../output.js';

/** `flotilla task why`: where a task runs, or per node what kept it from running there. */
export function registerTaskWhy(task: Command): void {
  task
    .command('why')
    .description('why a task waits: per node, the resource, constraint or quota that did not fit')
    .argument('<id>', 'the task, e.g. events.kafka-2 (or a waiting service or app)')
    .action(async (id: string, _opts, cmd: Command) => {
      const ctx = context(cmd);
      ctx.emit(await (await ctx.client()).why(id), (w) => {
        console.log(`${w.task}: ${w.summary}`);
        if (w.quota) console.log(`quota: ${w.quota}`);
        if (w.nodes.length > 0) {
          printTable(
            ['NODE', 'FITS', 'WHY NOT'],
            w.nodes.map((n) => [n.nodeId, n.fits ? 'yes' : 'no', n.reasons.join('; ') || '-']),
          );
        }
      });
    });
}
