import type { Command } from 'commander';
import type { FaultViewT } from '../../client/faults.js';
import { FlotillaError } from '../../core/errors.js';
import type { FaultRequestBody } from '../../core/fault-schemas.js';
import { context } from '../context.js';

const list = (v: string, prev: string[] = []) => [...prev, ...v.split(',').filter(Boolean)];

/** `flotilla fault inject|list|heal`: the failure lab's faults (docs/failure-lab.md). */
export function registerFaultCommands(fault: Command): void {
  fault
    .command('inject')
    .description(
      'inject a fault into your own tasks: kill, pause, partition, isolate, loss, delay, bandwidth, disk, clock',
    )
    .argument('<kind>', 'kill | pause | partition | isolate | loss | delay | bandwidth | disk | clock')
    .option(
      '--service <name>',
      'the service (or app) whose tasks are candidates (a network fault: the picked side vs the rest)',
    )
    .option('--task <id>', 'kill, pause, disk, clock: a task (repeatable, or comma-separated)', list)
    .option(
      '--pick <how>',
      'all | one | random | majority | leader (network faults with --service: random by default)',
    )
    .option('--signal <sig>', 'kill: SIGKILL (default) or SIGTERM')
    .option('--from <ids>', 'network faults: the tasks on one side (isolate: the one task)', list)
    .option('--to <ids>', 'network faults: the tasks on the other side', list)
    .option('--from-nodes <ids>', 'network faults between whole virtual nodes (cluster admins only)', list)
    .option('--to-nodes <ids>', 'partition, loss, delay, bandwidth: the nodes on the other side', list)
    .option('--one-way', 'partition, loss: only from → to')
    .option('--probability <p>', 'loss: share of packets dropped (0–1]', Number)
    .option('--delay <ms>', 'delay: milliseconds added to each round trip from → to', Number)
    .option('--jitter <ms>', 'delay: ± uniform jitter', Number)
    .option('--rate <kbit>', 'bandwidth: kilobits per second, each way of the pairs connections', Number)
    .option('--mode <mode>', 'disk: full (no space left, the default) or slow (throttled to --kbps)')
    .option('--kbps <n>', 'disk slow: kilobytes per second, for reads and for writes each', Number)
    .option(
      '--offset <s>',
      "clock: seconds added to the task's clock (negative: behind); restarts the task",
      Number,
    )
    .option('--duration <s>', 'heal by itself after this many seconds', Number)
    .action(async (kind: string, o: Record<string, unknown>, cmd: Command) => {
      const ctx = context(cmd);
      const body = {
        kind,
        ...(o.service ? { service: o.service } : {}),
        ...(o.task ? { tasks: o.task } : {}),
        ...(o.pick ? { pick: o.pick } : {}),
        ...(o.signal ? { signal: o.signal } : {}),
        ...(o.from ? { from: o.from } : {}),
        ...(o.to ? { to: o.to } : {}),
        ...(o.fromNodes ? { fromNodes: o.fromNodes } : {}),
        ...(o.toNodes ? { toNodes: o.toNodes } : {}),
        ...(o.oneWay ? { oneWay: true } : {}),
        ...(o.probability !== undefined ? { probability: o.probability } : {}),
        ...(o.delay !== undefined ? { delayMs: o.delay } : {}),
        ...(o.jitter !== undefined ? { jitterMs: o.jitter } : {}),
        ...(o.rate !== undefined ? { rateKbit: o.rate } : {}),
        ...(o.mode ? { mode: o.mode } : {}),
        ...(o.kbps !== undefined ? { rateKBps: o.kbps } : {}),
        ...(o.offset !== undefined ? { offsetS: o.offset } : {}),
        ...(o.duration !== undefined ? { durationS: o.duration } : {}),
      } as FaultRequestBody;
      for (const [k, v] of Object.entries(body))
        if (typeof v === 'number' && Number.isNaN(v))
          throw new FlotillaError('USAGE_INVALID', `--${k}: not a number`);
      const f = await (await ctx.client()).injectFault(body);
      ctx.emit(f, (v) => process.stdout.write(`${describe(v)}\n`));
    });
  fault
    .command('list')
    .description('your faults, active and healed')
    .option('--active', 'only the active ones')
    .action(async (o: { active?: boolean }, cmd: Command) => {
      const ctx = context(cmd);
      const all = await (await ctx.client()).listFaults();
      const shown = o.active ? all.filter((f) => f.state === 'active') : all;
      ctx.emit(shown, (v) => {
        if (v.length === 0) process.stdout.write('no faults\n');
        for (const f of v) process.stdout.write(`${describe(f)}\n`);
      });
    });
  fault
    .command('heal')
    .description('heal a fault (rules removed, paused tasks resumed), or all of them')
    .argument('[id]', 'the fault')
    .option('--all', 'every active fault of the tenant')
    .action(async (id: string | undefined, o: { all?: boolean }, cmd: Command) => {
      const ctx = context(cmd);
      if (!id && !o.all) throw new FlotillaError('USAGE_INVALID', 'name a fault, or --all');
      const client = await ctx.client();
      const healed = id ? [await client.healFault(id)] : await client.healAllFaults();
      ctx.emit(healed, (v) => {
        if (v.length === 0) process.stdout.write('no active faults\n');
        for (const f of v) process.stdout.write(`${describe(f)}\n`);
      });
    });
}

function describe(f: FaultViewT): string {
  const m = f.applied.measured;
  const b = f.applied.bandwidth;
  const measured =
    m && m.samples > 0
      ? `; measured round trip p50 ${m.p50Ms?.toFixed(0)} ms (${m.samples})`
      : b && b.achievedKbit !== null
        ? `; measured ${b.achievedKbit} kbit/s of ${b.askedKbit} (${b.busySeconds} s at the limit)`
        : '';
  const heal = f.state === 'active' && f.healAt ? `, heals at ${new Date(f.healAt).toISOString()}` : '';
  return `${f.id}  ${f.kind.padEnd(9)} ${f.state.padEnd(7)} ${f.targets.join(',')}  (${f.applied.mechanism}${heal})${f.message ? ` — ${f.message}` : ''}${measured}`;
}
