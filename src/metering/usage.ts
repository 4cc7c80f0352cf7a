import type { OwnerKind } from '../core/task.js';
import type { UsageInterval } from '../core/usage.js';

export type { UsageInterval } from '../core/usage.js';

export interface UsageTotals {
  cpuSeconds: number;
  memGbSeconds: number;
  diskGbSeconds: number;
  /** Seconds of tasks held, whatever their size. */
  taskSeconds: number;
}

export interface UsageRow extends UsageTotals {
  tenant: string;
  /** Set when grouped by service. */
  service?: string;
  kind?: OwnerKind;
}

export type UsageGrouping = 'tenant' | 'service';

/** [from, to) in epoch ms; `now` ends the intervals still open. */
export interface UsageRange {
  from: number;
  to: number;
  now: number;
}

/**
 * Sums resource-seconds per tenant or per service over [from, to). An interval counts only for the
 * part of it inside the range; an open one counts until min(to, now). Groups with no overlap are
 * left out. Rows are sorted by tenant, then service.
 */
export function computeUsage(intervals: UsageInterval[], range: UsageRange, by: UsageGrouping): UsageRow[] {
  const until = Math.min(range.to, range.now);
  // Summed in unit-milliseconds and divided once at the end, so 0.5 cpu for 600 s is exactly 300.
  const groups = new Map<
    string,
    { row: UsageRow; cpuMs: number; memMbMs: number; diskMbMs: number; ms: number }
  >();
  for (const i of intervals) {
    const ms = Math.min(i.end ?? until, until) - Math.max(i.start, range.from);
    if (ms <= 0) continue;
    const key = by === 'tenant' ? i.tenant : `${i.tenant}\u0000${i.ownerKind}\u0000${i.owner}`;
    let g = groups.get(key);
    if (!g) {
      const row: UsageRow =
        by === 'tenant'
          ? { tenant: i.tenant, ...zeroUsage() }
          : { tenant: i.tenant, service: i.owner, kind: i.ownerKind, ...zeroUsage() };
      g = { row, cpuMs: 0, memMbMs: 0, diskMbMs: 0, ms: 0 };
      groups.set(key, g);
    }
    g.cpuMs += i.cpus * ms;
    g.memMbMs += i.mem * ms;
    g.diskMbMs += i.disk * ms;
    g.ms += ms;
  }
  return [...groups.values()]
    .map(({ row, cpuMs, memMbMs, diskMbMs, ms }) => ({
      ...row,
      cpuSeconds: round(cpuMs / 1000),
      memGbSeconds: round(memMbMs / 1024 / 1000),
      diskGbSeconds: round(diskMbMs / 1024 / 1000),
      taskSeconds: round(ms / 1000),
    }))
    .sort(
      (a, b) =>
        a.tenant.localeCompare(b.tenant) ||
        (a.service ?? '').localeCompare(b.service ?? '') ||
        (a.kind ?? '').localeCompare(b.kind ?? ''),
    );
}

export function zeroUsage(): UsageTotals {
  return { cpuSeconds: 0, memGbSeconds: 0, diskGbSeconds: 0, taskSeconds: 0 };
}

/** Micro-units: enough for any bill, and free of float dust like 0.30000000000000004. */
function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
