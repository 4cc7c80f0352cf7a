import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlotillaError } from '../core/errors.js';
import { buildRecords, recordsForTenant, type DiscoveryInput, type DiscoveryTask } from './records.js';

function task(i: number, over: Partial<DiscoveryTask> = {}): DiscoveryTask {
  return {
    name: `kafka-${i}`,
    role: 'broker',
    host: `127.0.10.${i + 2}`,
    ports: [9092],
    ready: true,
    ...over,
  };
}

const input: DiscoveryInput = {
  domain: 'Flotilla',
  services: [
    { tenant: 'default', name: 'events', tasks: [task(0), task(1), task(2, { ready: false })] },
    {
      tenant: 'acme',
      name: 'Cache',
      tasks: [{ name: 'redis-0', role: 'server', host: '127.0.11.2', ports: [6379, 16379], ready: true }],
    },
  ],
};

describe('buildRecords', () => {
  const set = buildRecords(input);

  it('names every task that has a host, ready or not', () => {
    assert.deepEqual(set.a.get('kafka-0.events.default.flotilla'), ['127.0.10.2']);
    assert.deepEqual(set.a.get('kafka-2.events.default.flotilla'), ['127.0.10.4']);
    assert.deepEqual(set.a.get('redis-0.cache.acme.flotilla'), ['127.0.11.2']);
  });

  it('puts only ready tasks behind service and role names', () => {
    assert.deepEqual(set.a.get('events.default.flotilla'), ['127.0.10.2', '127.0.10.3']);
    assert.deepEqual(set.a.get('broker.events.default.flotilla'), ['127.0.10.2', '127.0.10.3']);
  });

  it('gives one SRV per ready task, named after the role for port 0 and port<i> after', () => {
    assert.deepEqual(set.srv.get('_broker._tcp.events.default.flotilla'), [
      { priority: 0, weight: 10, port: 9092, target: 'kafka-0.events.default.flotilla' },
      { priority: 0, weight: 10, port: 9092, target: 'kafka-1.events.default.flotilla' },
    ]);
    assert.equal(set.srv.get('_server._tcp.cache.acme.flotilla')?.[0]?.port, 6379);
    assert.equal(set.srv.get('_port1._tcp.cache.acme.flotilla')?.[0]?.port, 16379);
  });

  it('uses explicit port names when given', () => {
    const named = buildRecords({
      domain: 'flotilla',
      services: [
        { tenant: 't', name: 's', tasks: [task(0, { ports: [1, 2], portNames: ['client', 'Admin'] })] },
      ],
    });
    assert.deepEqual([...named.srv.keys()].sort(), ['_admin._tcp.s.t.flotilla', '_client._tcp.s.t.flotilla']);
  });

  it('knows empty non-terminals so they answer NODATA rather than NXDOMAIN', () => {
    for (const name of ['flotilla', 'default.flotilla', '_tcp.events.default.flotilla']) {
      assert.ok(set.names.has(name), name);
    }
    assert.ok(!set.names.has('nope.default.flotilla'));
  });

  it('keeps a service with no ready task as a name without addresses', () => {
    const down = buildRecords({
      domain: 'flotilla',
      services: [{ tenant: 'default', name: 'events', tasks: [task(0, { ready: false })] }],
    });
    assert.ok(down.names.has('events.default.flotilla'));
    assert.equal(down.a.get('events.default.flotilla'), undefined);
    assert.equal(down.srv.size, 0);
  });

  it('skips what DNS cannot carry instead of failing the whole set', () => {
    const odd = buildRecords({
      domain: 'flotilla',
      services: [
        { tenant: 'default', name: 'bad.name', tasks: [task(0)] },
        {
          tenant: 'default',
          name: 'ok',
          tasks: [task(0, { host: '' }), task(1, { host: 'node-a' }), task(2)],
        },
      ],
    });
    assert.deepEqual([...odd.a.keys()].sort(), [
      'broker.ok.default.flotilla',
      'kafka-2.ok.default.flotilla',
      'ok.default.flotilla',
    ]);
  });

  it('deduplicates addresses of tasks sharing a host', () => {
    const shared = buildRecords({
      domain: 'flotilla',
      services: [{ tenant: 'd', name: 's', tasks: [task(0), task(1, { host: '127.0.10.2' })] }],
    });
    assert.deepEqual(shared.a.get('s.d.flotilla'), ['127.0.10.2']);
    assert.equal(shared.srv.get('_broker._tcp.s.d.flotilla')?.length, 2);
  });

  it('rejects a domain that is not a DNS name', () => {
    assert.throws(() => buildRecords({ domain: 'bad domain', services: [] }), FlotillaError);
  });
});

describe('recordsForTenant', () => {
  it('keeps only the tenant’s own names (and the apex)', () => {
    const acme = recordsForTenant(buildRecords(input), 'ACME');
    assert.deepEqual([...acme.a.keys()].sort(), [
      'cache.acme.flotilla',
      'redis-0.cache.acme.flotilla',
      'server.cache.acme.flotilla',
    ]);
    assert.ok([...acme.names].every((n) => n === 'flotilla' || n.endsWith('acme.flotilla')));
    assert.ok(![...acme.srv.keys()].some((n) => n.includes('default')));
  });
});
