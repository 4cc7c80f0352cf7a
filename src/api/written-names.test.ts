import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalNames } from './written-names.js';

const mapped = (route: string, params: Record<string, string>, query: Record<string, unknown> = {}) => {
  canonicalNames(route, params, query);
  return { params, query };
};

describe('written names in routes', () => {
  it('maps a Compose-written app, service and task name to the id Flotilla gave it', () => {
    assert.deepEqual(mapped('/v1/apps/:id', { id: 'cassandra_db' }).params, { id: 'cassandra-db' });
    assert.deepEqual(mapped('/v1/apps/:id/scale', { id: 'Web.Front' }).params, { id: 'web-front' });
    assert.deepEqual(mapped('/v1/services/:name/health', { name: 'kafka_main' }).params, {
      name: 'kafka-main',
    });
    assert.deepEqual(mapped('/service/:name/v1/node/all', { name: 'cass_1' }).params, { name: 'cass-1' });
    assert.deepEqual(mapped('/v1/tasks/:id/logs', { id: 'cassandra_db.0' }).params, { id: 'cassandra-db.0' });
    assert.deepEqual(mapped('/v1/tasks/:id', { id: 'my.svc.2' }).params, { id: 'my-svc.2' });
  });

  it("maps a stack's name as Compose derives a project name", () => {
    assert.deepEqual(mapped('/v1/stacks/:name', { name: 'Data_Eng' }).params, { name: 'data-eng' });
    assert.deepEqual(mapped('/v1/stacks/:name/plan', { name: 'my.project' }).params, { name: 'myproject' });
  });

  it("maps the task list's owner and stack filters", () => {
    assert.deepEqual(
      mapped('/v1/tasks', {}, { owner: 'cassandra_db', stack: 'Data_Eng', fields: 'id' }).query,
      {
        owner: 'cassandra-db',
        stack: 'data-eng',
        fields: 'id',
      },
    );
  });

  it('leaves ids already DNS-safe, names Compose refuses, and parameters that are not workload names', () => {
    assert.deepEqual(mapped('/v1/apps/:id', { id: 'web' }).params, { id: 'web' });
    assert.deepEqual(mapped('/v1/tasks/:id', { id: 'cache.redis-0' }).params, { id: 'cache.redis-0' });
    assert.deepEqual(mapped('/v1/apps/:id', { id: '_hidden' }).params, { id: '_hidden' });
    assert.deepEqual(mapped('/v1/apps/:id', { id: 'a b' }).params, { id: 'a b' });
    // A topic and a job keep their names: only the service's is mapped.
    assert.deepEqual(
      mapped('/v1/services/:name/kafka/topics/:topic', { name: 'events', topic: 'orders_v2.raw' }).params,
      { name: 'events', topic: 'orders_v2.raw' },
    );
    assert.deepEqual(mapped('/v1/tenants/:name', { name: 'Acme_Co' }).params, { name: 'Acme_Co' });
    assert.deepEqual(mapped('/v1/faults/:id', { id: 'F_1' }).params, { id: 'F_1' });
  });
});
