import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PlanView } from '../core/deploy-schemas.js';
import { planLines } from './plan-diff.js';

describe('up --dry-run lines', () => {
  it('names an owner as its file wrote it beside its DNS-safe name, and marks each change', () => {
    const plan: PlanView = {
      stack: 'data-lake',
      created: ['cassandra-db'],
      updated: [],
      unchanged: ['web'],
      removed: [],
      waiting: [],
      owners: [
        {
          name: 'cassandra-db',
          written: 'cassandra_db',
          kind: 'app',
          action: 'create',
          changes: [],
          tasks: [
            {
              id: 'cassandra-db.0',
              action: 'create',
              node: 'node-1',
              host: '127.0.10.1',
              ports: [9042],
              changes: [],
            },
          ],
        },
        { name: 'web', kind: 'app', action: 'unchanged', changes: [], tasks: [] },
      ],
    };
    assert.deepEqual(planLines(plan), [
      'stack data-lake: 1 to create, 0 to change, 0 to remove, 1 unchanged, 0 to wait (nothing was started or written)',
      '+ cassandra-db "cassandra_db" (app) create',
      '    + cassandra-db.0  node-1 127.0.10.1:9042  create',
      '= web (app) unchanged',
    ]);
  });
});
