import { InvalidArgumentError, Option, type Command } from 'commander';
import type { UsageView } from '../../core/api-schemas.js';
import { context } from '../context.js';
import { renderTable } from '../output.js';

interface UsageOptions {
  from?: number;
  to?: number;
  by: 'service' | 'tenant';
}

const UNIT_MS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 };

/**
 * A time as a user types it: "now", a duration ago ("90m", "24h", "7d"), epoch milliseconds, or a
 * date/time ("2024-05-01", "2024-05-01T09:00" in local time, or with a zone). Sent as epoch ms, so
 * the daemon never guesses the user's zone.
 */
export function parseWhen(value: string, now: number): number {
  const text = value.trim();
  if (text === 'now') return now;
  const ago = /^(\d+(?:\.\d+)?)([smhdw])$/.exec(text);
  if (ago) return Math.round(now - Number(ago[1]) * UNIT_MS[ago[2]!]!);
  if (/^\d+$/.test(text)) return Number(text);
  // A bare date is UTC to Date.parse; at a terminal it means the user's own midnight.
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00` : text);
  if (Number.isNaN(ms)) {
    throw new InvalidArgumentError(
      'expected a time: now, a duration ago (24h, 7d), epoch milliseconds, or 2024-05-01[T09:00[Z]]',
    );
  }
  return ms;
}

/** Thousandths at most: a bill needs no more, and a table reads better. */
function amount(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}

export function renderUsage(view: UsageView): string {
  const header = `usage from ${view.from} to ${view.to} (open tasks counted until ${view.asOf})`;
  if (view.rows.length === 0) return `${header}\nno usage in this range`;
  const byService = view.by === 'service';
  const figures = (r: UsageView['rows'][number]) => [
    amount(r.cpuSeconds),
    amount(r.memGbSeconds),
    amount(r.diskGbSeconds),
    amount(r.taskSeconds),
  ];
  const rows = view.rows.map((r) => [
    r.tenant,
    ...(byService ? [r.service ?? '-', r.kind ?? '-'] : []),
    ...figures(r),
  ]);
  if (view.rows.length > 1) {
    const sum = (k: 'cpuSeconds' | 'memGbSeconds' | 'diskGbSeconds' | 'taskSeconds') =>
      view.rows.reduce((s, r) => s + r[k], 0);
    rows.push([
      'total',
      ...(byService ? ['', ''] : []),
      ...figures({
        tenant: '',
        cpuSeconds: sum('cpuSeconds'),
        memGbSeconds: sum('memGbSeconds'),
        diskGbSeconds: sum('diskGbSeconds'),
        taskSeconds: sum('taskSeconds'),
      }),
    ]);
  }
  const headers = [
    'tenant',
    ...(byService ? ['service', 'kind'] : []),
    'cpu (cpu-s)',
    'mem (GB-s)',
    'disk (GB-s)',
    'tasks (task-s)',
  ];
  return `${header}\n${renderTable(headers, rows)}`;
}

export function registerUsage(program: Command): void {
  const when = (value: string) => parseWhen(value, Date.now());
  program
    .command('usage')
    .description('resources held per service or tenant over a time range (cpu-seconds, GB-seconds)')
    .option(
      '--from <time>',
      'start: 24h (ago), 7d, epoch ms, 2024-05-01T09:00 (default: a day before --to)',
      when,
    )
    .option('--to <time>', 'end, excluded (default: now)', when)
    .addOption(new Option('--by <grouping>', 'one row per').choices(['service', 'tenant']).default('service'))
    .action(async (opts: UsageOptions, cmd: Command) => {
      const ctx = context(cmd);
      const client = await ctx.client();
      const view = await client.usage({
        by: opts.by,
        ...(opts.from === undefined ? {} : { from: opts.from }),
        ...(opts.to === undefined ? {} : { to: opts.to }),
      });
      ctx.emit(view, (v) => process.stdout.write(`${renderUsage(v)}\n`));
    });
}
