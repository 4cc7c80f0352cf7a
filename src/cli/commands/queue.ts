import type { Command } from 'commander';
import { context } from '../context.js';
import { age, printTable } from '../output.js';

/** `flotilla queue`: services and apps waiting for the scheduler. */
export function registerQueue(program: Command): void {
  program
    .command('queue')
    .description('services and apps waiting for resources, quota or constraints, with the reason')
    .action(async (_opts, cmd: Command) => {
      const ctx = context(cmd);
      ctx.emit(await (await ctx.client()).listWaiting(), (q) =>
        q.length === 0
          ? console.log('nothing waits')
          : printTable(
              ['OWNER', 'KIND', 'STACK', 'WAITING', 'WHY'],
              q.map((e) => [e.owner, e.kind, e.stack ?? '-', age(e.since), `${e.reasonKind}: ${e.reason}`]),
            ),
      );
    });
}
