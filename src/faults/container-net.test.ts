import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FaultRequest } from '../core/fault.js';
import type { TaskRecord } from '../core/task.js';
import { testLaunchSpec, testTask } from '../core/testing.js';
import { containerRules, type Peer } from './container-net.js';
import { sidesOf } from './network.js';

describe('network faults between containers', () => {
  const peers = (...addresses: string[]): Peer[] => addresses.map((address) => ({ address, ports: [] }));

  it("drops what the sender sends to each peer's address, once each, and nothing else", () => {
    const rules = containerRules('FLTF-abc-1', peers('172.18.0.4', '172.18.0.3', '172.18.0.4'), {
      kind: 'drop',
    });
    assert.equal(
      rules,
      [
        '*filter',
        ':FLTF-abc-1 - [0:0]',
        '-F FLTF-abc-1',
        '-A FLTF-abc-1 -d 172.18.0.3/32 -j DROP',
        '-A FLTF-abc-1 -d 172.18.0.4/32 -j DROP',
        'COMMIT',
        '',
      ].join('\n'),
    );
  });

  it('drops a random share for loss, and never writes what is not an address', () => {
    const rules = containerRules('C', peers('10.0.0.2', '10.0.0.2 -j ACCEPT', ''), {
      kind: 'loss',
      probability: 0.25,
    });
    assert.deepEqual(
      rules.split('\n').filter((l) => l.startsWith('-A')),
      ['-A C -d 10.0.0.2/32 -m statistic --mode random --probability 0.2500 -j DROP'],
    );
  });

  const task = (owner: string, index: number, docker: boolean): TaskRecord =>
    ({
      ...testTask('t1', owner, index, {
        stack: 's',
        spec: { ...testLaunchSpec(), ...(docker ? { driver: 'docker' } : {}) },
      }),
      handle: null,
    }) as TaskRecord;
  const lookup = (tasks: TaskRecord[]) => ({
    get: (_t: string, id: string) => tasks.find((t) => t.id === id) ?? null,
    byOwner: (_t: string, owner: string) => tasks.filter((t) => t.owner === owner),
    list: () => tasks,
  });

  it('classifies what goes to the peers for bandwidth, and DNATs each listening port to the proxy for delay', () => {
    const lines = (action: Parameters<typeof containerRules>[2]) =>
      containerRules('C', [{ address: '10.0.0.3', ports: [9092, 0, 70000] }, ...peers('10.0.0.2')], action)
        .split('\n')
        .filter((l) => l.startsWith('*') || l.startsWith('-A'));
    assert.deepEqual(lines({ kind: 'classify', classid: 'f10:1a2' }), [
      '*mangle',
      '-A C -d 10.0.0.2/32 -j CLASSIFY --set-class f10:1a2',
      '-A C -d 10.0.0.3/32 -j CLASSIFY --set-class f10:1a2',
    ]);
    // Only a port the proxy listens for gets a rule, and only to an address:port.
    const via = (peer: string, port: number) =>
      port === 9092 ? '10.0.0.1:40001' : port === 1 ? '10.0.0.1:1 -j ACCEPT' : undefined;
    assert.deepEqual(lines({ kind: 'dnat', via }), [
      '*nat',
      '-A C -p tcp -d 10.0.0.3/32 --dport 9092 -j DNAT --to-destination 10.0.0.1:40001',
    ]);
  });

  it('accepts every network fault between containers', () => {
    const tasks = [task('kafka', 0, true), task('kafka', 1, true), task('zk', 0, true)];
    const req = (kind: FaultRequest['kind']): FaultRequest => ({ kind, from: ['kafka.0'], to: ['kafka.1'] });
    for (const kind of ['partition', 'loss', 'delay', 'bandwidth'] as const)
      assert.equal(sidesOf(lookup(tasks), 't1', req(kind)).to[0]!.id, 'kafka.1');
    assert.equal(sidesOf(lookup(tasks), 't1', { kind: 'isolate', from: ['kafka.0'] }).to.length, 2);
  });

  it('refuses a fault between a container and a host process, naming both', () => {
    const tasks = [task('app', 0, true), task('kafka', 0, false)];
    assert.throws(
      () => sidesOf(lookup(tasks), 't1', { kind: 'partition', from: ['app.0'], to: ['kafka.0'] }),
      (e: Error & { code?: string }) =>
        e.code === 'FAULT_UNSUPPORTED' &&
        /app\.0 runs in a container and kafka\.0 as a host process/.test(e.message),
    );
  });
});
