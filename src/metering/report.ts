import type { UsageQuery, UsageView } from '../core/api-schemas.js';
import { resolveRange } from './range.js';
import { computeUsage, zeroUsage, type UsageInterval } from './usage.js';

/** Where intervals come from: the store's `usage.list`. */
export type IntervalSource = (tenants: string[] | 'all', from: number, to: number) => UsageInterval[];

/**
 * The usage report of `GET /v1/usage`. `tenants` is the caller's scope: its own tenant today, 'all'
 * for a cluster admin once authentication lets one ask. A tenant asked for by name always gets its
 * row when grouping by tenant, zero if it held nothing.
 */
export function usageReport(
  source: IntervalSource,
  tenants: string[] | 'all',
  query: UsageQuery,
  now: number,
): UsageView {
  const { from, to } = resolveRange(query, now);
  const by = query.by ?? 'tenant';
  const rows = computeUsage(source(tenants, from, to), { from, to, now }, by);
  if (by === 'tenant' && tenants !== 'all') {
    for (const tenant of tenants)
      if (!rows.some((r) => r.tenant === tenant)) rows.push({ tenant, ...zeroUsage() });
    rows.sort((a, b) => a.tenant.localeCompare(b.tenant));
  }
  return {
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    asOf: new Date(now).toISOString(),
    by,
    rows,
  };
}
