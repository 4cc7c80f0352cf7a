import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { UsageView } from '../../core/api-schemas.js';
import { parseWhen, renderUsage } from './usage.js';

const NOW = Date.parse('2030-01-02T00:00:00Z');

describe('flotilla usage', () => {
  it('reads times as users type them', () => {
    assert.equal(parseWhen('now', NOW), NOW);
    assert.equal(parseWhen('24h', NOW), NOW - 86_400_000);
    assert.equal(parseWhen('90m', NOW), NOW - 5_400_000);
    assert.equal(parseWhen('1.5d', NOW), NOW - 129_600_000);
    assert.equal(parseWhen('1714521600000', NOW), 1714521600000);
    assert.equal(parseWhen('2024-05-01T00:00:00Z', NOW), 1714521600000);
    // Without a zone, the user's own clock: the same wall time as `new Date(y, m, d, h)` gives.
    assert.equal(parseWhen('2024-05-01', NOW), new Date(2024, 4, 1).getTime());
    assert.equal(parseWhen('2024-05-01T09:30', NOW), new Date(2024, 4, 1, 9, 30).getTime());
    assert.throws(() => parseWhen('last week', NOW), /expected a time: now, a duration ago/);
  });

  const view = (by: UsageView['by'], rows: UsageView['rows']): UsageView => ({
    from: '2030-01-01T00:00:00.000Z',
    to: '2030-01-02T00:00:00.000Z',
    asOf: '2030-01-02T00:00:00.000Z',
    by,
    rows,
  });

  it('prints a row per service with units and a total', () => {
    const text = renderUsage(
      view('service', [
        {
          tenant: 'acme',
          service: 'cache',
          kind: 'service',
          cpuSeconds: 500,
          memGbSeconds: 250.12345,
          diskGbSeconds: 300,
          taskSeconds: 300,
        },
        {
          tenant: 'acme',
          service: 'web',
          kind: 'app',
          cpuSeconds: 550,
          memGbSeconds: 275,
          diskGbSeconds: 0,
          taskSeconds: 1100,
        },
      ]),
    );
    assert.equal(
      text,
      [
        'usage from 2030-01-01T00:00:00.000Z to 2030-01-02T00:00:00.000Z (open tasks counted until 2030-01-02T00:00:00.000Z)',
        'TENANT  SERVICE  KIND     CPU (CPU-S)  MEM (GB-S)  DISK (GB-S)  TASKS (TASK-S)',
        'acme    cache    service  500          250.123     300          300',
        'acme    web      app      550          275         0            1100',
        'total                     1050         525.123     300          1400',
      ].join('\n'),
    );
  });

  it('prints one row per tenant without a total, and says when there is nothing', () => {
    const one = renderUsage(
      view('tenant', [{ tenant: 'acme', cpuSeconds: 1, memGbSeconds: 2, diskGbSeconds: 0, taskSeconds: 4 }]),
    );
    assert.deepEqual(one.split('\n').slice(1), [
      'TENANT  CPU (CPU-S)  MEM (GB-S)  DISK (GB-S)  TASKS (TASK-S)',
      'acme    1            2           0            4',
    ]);
    assert.match(renderUsage(view('service', [])), /\nno usage in this range$/);
  });
});
