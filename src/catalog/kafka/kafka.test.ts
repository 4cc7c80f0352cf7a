import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { HealthCheckSpec } from '../../core/health.js';
import type { LaunchSpec } from '../../core/task.js';
import { runCheck } from '../../reconciler/health/index.js';
import type { PlacedTask } from '../package.js';
import { zookeeper } from '../zookeeper/index.js';
import { type Deployed, eventually, Harness } from '../zookeeper/testing/harness.js';
import { prepareJvm } from '../zookeeper/testing/jars.js';
import { kafka3, kafka4 } from './index.js';

const HOSTS = ['127.0.10.1', '127.0.10.2', '127.0.10.3'];
const zkJvm = await prepareJvm(zookeeper, {});
const k3Jvm = await prepareJvm(kafka3, {});
const k4Jvm = await prepareJvm(kafka4, {});
for (const [what, jvm] of [
  ['ZooKeeper', zkJvm],
  ['Kafka 3', k3Jvm],
  ['Kafka 4', k4Jvm],
] as const) {
  if ('skip' in jvm) console.warn(`\n!!! SKIPPING real ${what} tests: ${jvm.skip}\n`);
}
const skip3 = 'skip' in zkJvm ? zkJvm.skip : 'skip' in k3Jvm ? k3Jvm.skip : false;
const skip4 = 'skip' in k4Jvm ? k4Jvm.skip : false;

function target(task: PlacedTask) {
  return { host: task.host, ports: task.ports, exec: () => Promise.reject(new Error('no exec')) };
}

/** Polls a task's first health check (the readiness one) until it passes with a matching message. */
function ready(harness: Harness, d: Deployed, task: PlacedTask, want = /./, seconds = 120): Promise<string> {
  const check = (d.specs[task.name] as LaunchSpec).healthChecks[0] as HealthCheckSpec;
  return eventually(`${task.name} ready`, seconds, async () => {
    const r = await runCheck(check, target(task));
    return r.ok && want.test(r.message)
      ? r.message
      : new Error(`${r.message}\n${harness.tail(task.name, 8)}`);
  });
}

/** Every broker lists itself, then all the others too, each answering from its own address. */
async function allBrokersReady(harness: Harness, d: Deployed, brokers: number): Promise<void> {
  const tasks = d.tasks.filter((t) => t.role === 'broker');
  await Promise.all(tasks.map((t) => ready(harness, d, t, new RegExp(`^broker ${t.index} registered`))));
  const all = new RegExp(
    `^broker \\d+ registered \\(${brokers} brokers: ${[...Array(brokers).keys()].join(', ')}\\)$`,
  );
  await Promise.all(tasks.map((t) => ready(harness, d, t, all, 30)));
}

describe('kafka 3.9.1 in ZooKeeper mode, on the real services', { skip: skip3 }, () => {
  const harness = new Harness();
  after(() => harness.close());

  it('runs 3 brokers on their own addresses that all register through ZooKeeper', async () => {
    if ('skip' in zkJvm || 'skip' in k3Jvm) return;
    const zk = await harness.deploy(zookeeper, 'zk', {}, zkJvm, HOSTS);
    await ready(harness, zk, zk.tasks[0] as PlacedTask, /^imok, Mode: standalone$/, 60);
    const connect = zk.endpoints[0]?.values.connect as string;

    const d = await harness.deploy(kafka3, 'events', { brokers: 3, zookeeper: connect }, k3Jvm, HOSTS);
    assert.deepEqual(
      d.tasks.map((t) => `${t.name}@${t.host}`),
      ['kafka-0@127.0.10.1', 'kafka-1@127.0.10.2', 'kafka-2@127.0.10.3'],
    );
    const endpoint = d.endpoints[0];
    assert.equal(endpoint?.values.bootstrap, d.tasks.map((t) => `${t.host}:${t.ports[0]}`).join(','));
    assert.equal(endpoint?.values.zookeeper, `${connect}/flotilla/default/events`);
    assert.deepEqual(d.state, {});
    await allBrokersReady(harness, d, 3);
    const log = harness.logs.get('kafka-1') ?? '';
    assert.match(log, /\[KafkaServer id=1\] started/);
    // Everything went to stdout: no log files next to the data.
    const victim = d.tasks[1] as PlacedTask;
    assert.deepEqual(fs.readdirSync(victim.sandbox).sort(), ['bin', 'config', 'data']);

    // Killed, a broker's ZooKeeper session outlives it; relaunched at once, the start script waits that
    // session out, so the broker registers on its first try instead of exiting with NodeExists.
    await harness.restart(victim, d.specs[victim.name] as LaunchSpec);
    await ready(harness, d, victim, /^broker 1 registered \(3 brokers/, 60);
    assert.doesNotMatch(harness.logs.get(victim.name) ?? '', /NodeExists/);
  });
});

describe('kafka 4 in KRaft mode, on the real broker', { skip: skip4 }, () => {
  const harness = new Harness();
  after(() => harness.close());

  it('formats storage with one kept cluster id and runs 3 combined brokers and controllers', async () => {
    if ('skip' in k4Jvm) return;
    const state: Record<string, string> = {};
    const d = await harness.deploy(kafka4, 'stream', { brokers: 3 }, k4Jvm, HOSTS, state);
    assert.match(state.clusterId ?? '', /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
    const props = fs.readFileSync(
      path.join((d.tasks[0] as PlacedTask).sandbox, 'config/server.properties'),
      'utf8',
    );
    assert.match(props, /^process\.roles=broker,controller$/m);
    await allBrokersReady(harness, d, 3);
    for (const task of d.tasks) {
      const meta = fs.readFileSync(path.join(task.sandbox, 'data/logs/meta.properties'), 'utf8');
      assert.match(meta, new RegExp(`^cluster\\.id=${state.clusterId}$`, 'm'));
    }
    assert.match(harness.logs.get('kafka-0') ?? '', /Kafka Server started/);

    // A redeploy renders from the same state: same cluster id; the restarted broker finds its log
    // directory formatted, skips the format step, and rejoins (once its old session expires).
    const again = kafka4.render({ ...d.ctx, state });
    const victim = d.tasks[2] as PlacedTask;
    assert.deepEqual(again[victim.name], d.specs[victim.name]);
    await harness.restart(victim, again[victim.name] as LaunchSpec);
    await ready(harness, d, victim, /^broker 2 registered \(3 brokers/);
    const meta = fs.readFileSync(path.join(victim.sandbox, 'data/logs/meta.properties'), 'utf8');
    assert.match(meta, new RegExp(`^cluster\\.id=${state.clusterId}$`, 'm'));
  });
});
