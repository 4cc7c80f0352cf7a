import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { ArtifactResolver } from '../../src/artifacts/resolver.js';
import { loadLock } from '../../src/catalog/jvm/lock.js';
import { homeIdOf } from '../../src/isolation/identity.js';
import { parseExperiment } from '../../src/lab/experiment.js';
import type { Report } from '../../src/lab/report.js';
import { runExperiment } from '../../src/lab/run.js';
import { startInProcessDaemon, type InProcessDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/flotilla.js';
import { createTopic, kafkaClient } from '../helpers/kafka.js';

const root = process.getuid?.() === 0;
const VERSION = '4.3.1';
/**
 * A random broker SIGKILLed every KILL_EVERY_S from the 5th second, for DURATION_S. Under this machine's
 * usual load (8 sessions on 2 cores) a killed broker takes 30-50 s to serve again, so kills every 5 s
 * (the 20 kills in 100 s) keep every broker down and nothing is acknowledged; the defaults fit
 * 6 kills in 2 minutes. On a quiet machine: FLOTILLA_TEST_KAFKA_KILL_EVERY_S=5 FLOTILLA_TEST_KAFKA_DURATION_S=100.
 */
const KILL_EVERY_S = Number(process.env.FLOTILLA_TEST_KAFKA_KILL_EVERY_S ?? 20);
const DURATION_S = Number(process.env.FLOTILLA_TEST_KAFKA_DURATION_S ?? 120);
const KILLS = Math.floor((DURATION_S - 5) / KILL_EVERY_S) + 1;

/**
 * The Kafka workload and checker against a real 3-broker KRaft cluster (each broker a controller too),
 * RF 3 and min.insync.replicas 2, with Kafka's own Java producer and consumer (src/lab/kafka/).
 */
describe('Kafka under broker kills and partitions', { skip: !root && 'needs a root daemon' }, () => {
  let d: InProcessDaemon;
  const outs: string[] = [];
  before(async () => {
    d = await startInProcessDaemon('faults-kafka', 55000);
    await d.admin.applyStack(
      'lab',
      `name: lab\nservices:\n  events: { package: kafka, version: '${VERSION}', options: { brokers: 3 } }\n`,
    );
    await waitFor(async () => (await d.admin.getStack('lab')).status === 'ready', 600_000, 'the cluster');
  });
  after(async () => {
    for (const o of outs) fs.rmSync(o, { recursive: true, force: true });
    await d.stop();
    const rules = ['filter', 'nat'].map((t) =>
      execFileSync('iptables', ['-w', '-t', t, '-S'], { encoding: 'utf8' }),
    );
    assert.doesNotMatch(rules.join('\n'), new RegExp(`FLTF-${homeIdOf(d.home)}`));
  });

  const run = async (spec: unknown): Promise<{ r: Report; lines: string[]; out: string }> => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-lab-kafka-'));
    outs.push(out);
    const lines: string[] = [];
    const r = await runExperiment(d.admin, parseExperiment(spec), {
      directory: '.',
      out,
      print: (l) => lines.push(l),
      readFile: () => '',
      waitReady: async (stack) => {
        await waitFor(async () => (await d.admin.getStack(stack)).status === 'ready', 300_000, stack);
      },
      artifactsDir: path.join(d.home, 'artifacts'),
    });
    return { r, lines, out };
  };

  it('acks=all, idempotent: repeated SIGKILLs and isolations lose and duplicate nothing acknowledged', async () => {
    const { r, lines, out } = await run({
      name: 'kafka-kills',
      stack: { name: 'lab' },
      durationS: DURATION_S,
      workload: { kind: 'kafka', service: 'events', rate: 50, partitions: 3, replicationFactor: 3 },
      nemesis: [
        { every: KILL_EVERY_S, start: 5, fault: { kind: 'kill', service: 'events', pick: 'random' } },
        ...[0.15, 0.45, 0.75]
          .map((share) => Math.round(share * DURATION_S))
          .map((at) => ({ at, durationS: 8, fault: { kind: 'isolate', service: 'events' } })),
      ],
      checkers: [{ kind: 'kafka-acknowledged' }],
    });
    const c = r.checkers[0]!;
    const kills = r.faults.filter((f) => f.kind === 'kill').length;
    const isolations = r.faults.filter((f) => f.kind === 'isolate').length;
    const summary = `${JSON.stringify(c)}\nkills ${kills}, isolations ${isolations}\n${lines.slice(-5).join('\n')}`;
    process.stderr.write(`# kafka-kills: ${summary}\n`);
    assert.equal(c.kind, 'kafka-acknowledged');
    assert.ok(kills >= KILLS - 1, summary);
    assert.equal(isolations, 3, summary);
    assert.ok(Number(c.figures.acknowledged) > 100, summary);
    assert.equal(c.figures.lost, 0, summary);
    assert.equal(c.figures.duplicated, 0, summary);
    assert.equal(c.figures.reordered, 0, summary);
    assert.equal(c.valid, true, summary);
    assert.equal(r.valid, true);
    // The history holds Kafka's own word for each acknowledged send: its partition and offset.
    const ok = fs
      .readFileSync(path.join(out, 'history.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; partition?: number; offset?: number })
      .filter((o) => o.type === 'ok');
    assert.ok(ok.every((o) => typeof o.partition === 'number' && typeof o.offset === 'number'));
    assert.equal(new Set(ok.map((o) => o.partition)).size, 3, 'the keys spread over every partition');
    assert.equal(
      fs.readFileSync(path.join(out, 'kafka-reads.jsonl'), 'utf8').trim().split('\n').length,
      Number(c.figures.read),
    );
  });

  it('acks=1 with unclean leader election: the checker runs and its verdict matches its counts', async () => {
    const { r } = await run({
      name: 'kafka-unclean',
      stack: { name: 'lab' },
      durationS: 45,
      workload: {
        kind: 'kafka',
        service: 'events',
        rate: 100,
        acks: 1,
        idempotence: false,
        topicConfigs: { 'unclean.leader.election.enable': 'true' },
      },
      nemesis: [{ every: 10, start: 5, fault: { kind: 'kill', service: 'events', pick: 'random' } }],
      checkers: [{ kind: 'kafka-acknowledged' }],
    });
    const c = r.checkers[0]!;
    process.stderr.write(`# kafka-unclean: ${JSON.stringify(c)}\n`);
    const f = c.figures as Record<string, number>;
    assert.ok(f.acknowledged! > 100, JSON.stringify(c));
    const anomalies = f.lost! + f.duplicated! + f.reordered! + f.unexpected!;
    assert.equal(c.valid, anomalies === 0, JSON.stringify(c));
    assert.equal(r.valid, c.valid);
    // Every record read is an acknowledged value still there, an unacknowledged one, a stranger, or a copy.
    const distinct = f.acknowledged! - f.lost! + f.unacknowledgedPresent! + f.unexpected!;
    if (f.duplicated === 0) assert.equal(f.read, distinct, JSON.stringify(c));
    else assert.ok(f.read! - distinct >= f.duplicated!, JSON.stringify(c));
  });

  it("kill --pick leader hits the active controller that Kafka's own CLI names", async () => {
    const quorumLeader = await quorumLeaderFromCli(d);
    const tasks = await d.admin.listTasks();
    const leaderTask = tasks.find((t) => t.id === `events.kafka-${quorumLeader}`)!;
    assert.ok(leaderTask, `node ${quorumLeader} is a task of the service`);
    const f = await d.admin.injectFault({ kind: 'kill', service: 'events', pick: 'leader' });
    assert.deepEqual(f.targets, [leaderTask.id]);
    await waitFor(
      async () => {
        const t = await d.admin.getTask(leaderTask.id);
        return t.pid !== leaderTask.pid && t.state === 'healthy' && (await quorumLeaderFromCli(d)) !== null;
      },
      // A broker takes 30-50 s to start on this loaded machine, and each probe starts a JVM.
      300_000,
      'the killed controller relaunched, and a leader elected',
    );
  });

  it("pause --pick leader with leaderOf hits the partition's leader that Kafka's Admin names", async () => {
    const kafka = kafkaClient((await d.admin.endpoints('events'))[0]!.values.bootstrap!);
    await createTopic(kafka, 'leaders', 3, 3);
    const admin = kafka.admin();
    await admin.connect();
    try {
      const meta = await admin.fetchTopicMetadata({ topics: ['leaders'] });
      for (const partition of [0, 2]) {
        const leader = meta.topics[0]!.partitions.find((p) => p.partitionId === partition)!.leader;
        const f = await d.admin.injectFault({
          kind: 'pause',
          service: 'events',
          pick: 'leader',
          leaderOf: { topic: 'leaders', partition },
          durationS: 5,
        });
        assert.deepEqual(f.targets, [`events.kafka-${leader}`], `partition ${partition}`);
        await d.admin.healFault(f.id);
      }
    } finally {
      await admin.disconnect();
    }
    await assert.rejects(
      d.admin.injectFault({ kind: 'pause', service: 'events', leaderOf: { topic: 'leaders', partition: 0 } }),
      { code: 'FAULT_INVALID' },
    );
  });
});

/** The KRaft quorum's leader as `kafka-metadata-quorum describe --status` prints it (Kafka's CLI class). */
async function quorumLeaderFromCli(d: InProcessDaemon): Promise<number | null> {
  const jars = await new ArtifactResolver({ cacheDir: path.join(d.home, 'artifacts') }).ensure(
    loadLock('kafka', VERSION).artifacts,
  );
  const bootstrap = (await d.admin.endpoints('events'))[0]!.values.bootstrap!;
  const { stdout } = await promisify(execFile)(
    'java',
    [
      '-cp',
      jars.join(':'),
      'org.apache.kafka.tools.MetadataQuorumCommand',
      '--bootstrap-server',
      bootstrap,
      'describe',
      '--status',
    ],
    { timeout: 60_000 },
  ).catch(() => ({ stdout: '' }));
  const m = /LeaderId:\s+(\d+)/.exec(stdout);
  return m ? Number(m[1]) : null;
}
