import type { Command } from 'commander';
import type { TaskView } from '../../core/api-schemas.js';
import { context } from '../context.js';
import { hostPorts } from '../format.js';
import { age, printFields } from '../output.js';

export function taskFields(t: TaskView): [string, string][] {
  const exit = t.exitSignal ?? (t.exitCode === null ? null : String(t.exitCode));
  const fields: [string, string][] = [
    ['id', t.id],
    ['owner', `${t.owner} (${t.ownerKind}, role ${t.role})`],
    ['stack', t.stack ?? '-'],
    ['state', `${t.state} for ${age(t.stateSince)} (desired: ${t.desired}${t.ready ? ', ready' : ''})`],
    ['address', hostPorts(t)],
    ['node', t.node],
    ['pid', t.pid === null ? '-' : String(t.pid)],
    ['last exit', exit ?? '-'],
    ['restarts', `${t.restarts} (launches ${t.launches}, health failures ${t.healthFailures})`],
    ['started', t.startedAt ?? '-'],
    ['message', t.message ?? '-'],
    ['command', t.cmd ?? (t.args ? t.args.join(' ') : '-')],
    ['sandbox', t.sandbox],
  ];
  for (const [k, v] of Object.entries(t.env)) fields.push([`env ${k}`, v]);
  return fields;
}

export function registerTaskShow(task: Command): void {
  task
    .command('show')
    .description('show one task')
    .argument('<id>', 'the task, e.g. cache.redis-0')
    .action(async (id: string, _opts, cmd: Command) => {
      const ctx = context(cmd);
      const t = await (await ctx.client()).getTask(id);
      ctx.emit(t, (v) => printFields(taskFields(v)));
    });
}
