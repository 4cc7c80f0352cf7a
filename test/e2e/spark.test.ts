import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { masterState, workerState } from '../../src/catalog/spark/status.js';
import type { JobListView, JobView } from '../../src/core/job-schemas.js';
import { REPO, TestHome, waitFor } from '../helpers/flotilla.js';
import { kafkaClient, produceKeyed } from '../helpers/kafka.js';

/**
 * Spark through the CLI-started daemon, from the example files: a master and 2 workers
 * (examples/spark.yml), the word count of examples/spark/ submitted with `flotilla spark submit`
 * against a text in the tenant's data folder, a worker SIGKILLed and healed, a second job, the job
 * list; then Structured Streaming (examples/spark/streaming_counts.py) reading a Kafka topic with
 * the pinned Kafka connector.
 */
const WORDS = ['spark', 'kafka', 'flotilla', "tenant's", 'node', 'job', 'data'];
// 3,000 lines of known words, mixed case, with punctuation and blank lines between them.
const TEXT = Array.from({ length: 3000 }, (_, i) =>
  i % 50 === 49 ? '' : `${WORDS[i % 7]}, ${WORDS[(i * 3) % 5]}. The ${i % 2 === 0 ? 'THE' : 'end'}!`,
).join('\n');

/** The counts wordcount.py must find: lower case, split on anything but letters, digits and '. */
function expectedCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const word of text.toLowerCase().split(/[^\p{L}\p{N}']+/u)) {
    if (word) counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  return counts;
}

/** The single CSV (word,count, header) a word count wrote into `dir`. */
function readCounts(dir: string): Map<string, number> {
  const [part, ...more] = fs.readdirSync(dir).filter((f) => f.startsWith('part-') && f.endsWith('.csv'));
  assert.ok(part, `no part-*.csv in ${dir}: ${fs.readdirSync(dir).join(', ')}`);
  assert.deepEqual(more, [], 'the word count coalesces to one file');
  const [header, ...rows] = fs.readFileSync(path.join(dir, part), 'utf8').trim().split('\n');
  assert.equal(header, 'word,count');
  return new Map(
    rows.map((r) => {
      const comma = r.lastIndexOf(',');
      return [r.slice(0, comma).replace(/^"|"$/g, ''), Number(r.slice(comma + 1))] as const;
    }),
  );
}

const since = (t: number) => `${((Date.now() - t) / 1000).toFixed(1)}s`;

describe('Spark standalone with jobs (examples/spark.yml)', () => {
  const home = new TestHome();
  let data = '';
  let masterUi = '';
  let workerUis: string[] = [];
  const jobIds: string[] = [];

  before(async () => {
    const t0 = Date.now();
    // A cold runtime (pyspark from PyPI, ~435 MB) takes about a minute; the shared cache keeps it.
    await home.ok(['up', '-f', 'examples/spark.yml', '--wait', '--timeout', '600'], 700_000);
    const values = Object.assign(
      {},
      ...(
        JSON.parse(await home.ok(['service', 'endpoints', 'analytics', '--json'])) as {
          values: Record<string, string>;
        }[]
      ).map((e) => e.values),
    ) as Record<string, string>;
    masterUi = values.masterUi!;
    workerUis = values.workerUis!.split(',');
    data = (JSON.parse(await home.ok(['spark', 'jobs', 'analytics', '--json'])) as JobListView).dataDir;
    assert.equal(data, path.join(home.home, 'data', 'default'));
    fs.copyFileSync(path.join(REPO, 'examples/spark/wordcount.py'), path.join(data, 'wordcount.py'));
    fs.writeFileSync(path.join(data, 'words.txt'), TEXT);
    console.log(`# spark cluster ready in ${since(t0)}`);
  });
  after(async () => {
    assert.equal(await home.cleanup(), 0);
  });

  /** Submits the word count, asserts its exact counts and its exit, and returns the job. */
  async function wordCount(output: string): Promise<JobView> {
    const t0 = Date.now();
    // A path under the data folder, and paths relative to it, as the example's comment says.
    const r = await home.cli(
      ['spark', 'submit', 'analytics', path.join(data, 'wordcount.py'), 'words.txt', output],
      300_000,
    );
    assert.equal(r.code, 0, `spark submit failed:\n${r.stdout.slice(-3000)}\n${r.stderr}`);
    // The driver's own output is streamed: the top words as the script prints them.
    assert.match(r.stdout, new RegExp(`^the\t${expectedCounts(TEXT).get('the')}$`, 'm'));
    const [, id, appId] =
      /job (job-[0-9a-f]+) finished \((app-\d{14}-\d{4})\), exit code 0/.exec(r.stderr) ?? [];
    assert.ok(id && appId, r.stderr);
    assert.deepEqual(readCounts(path.join(data, output)), expectedCounts(TEXT));
    const job = await home.client().getJob('analytics', id);
    assert.deepEqual([job.state, job.exitCode, job.applicationId], ['finished', 0, appId]);
    jobIds.push(id);
    console.log(`# word count ${id} (${appId}) in ${since(t0)}`);
    return job;
  }

  it('runs a PySpark word count from the data folder with exact counts, executors on both workers', async () => {
    const job = await wordCount('counts-1');
    await waitFor(
      async () =>
        (await masterState(masterUi)).completedapps.find(
          (a) => a.id === job.applicationId && a.state === 'FINISHED',
        ),
      30_000,
      'the master to list the application as FINISHED',
    );
    for (const ui of workerUis) {
      await waitFor(
        async () => (await workerState(ui)).finishedexecutors.find((e) => e.appid === job.applicationId),
        30_000,
        `an executor of ${job.applicationId} on ${ui}`,
      );
    }
  });

  it("gives every task the tenant's data folder as FLOTILLA_DATA", async () => {
    const svc = await home.client().getService('analytics');
    for (const t of svc.tasks) {
      const env = fs.readFileSync(`/proc/${t.pid}/environ`, 'utf8').split('\0');
      assert.ok(env.includes(`FLOTILLA_DATA=${data}`), `${t.name} has FLOTILLA_DATA`);
    }
  });

  it('heals a SIGKILLed worker: relaunched, ALIVE at the master again, and the next job succeeds', async () => {
    const t0 = Date.now();
    const client = home.client();
    const worker = (await client.getService('analytics')).tasks.find((t) => t.name === 'worker-1')!;
    process.kill(worker.pid!, 'SIGKILL');
    const healed = await waitFor(
      async () => {
        const svc = await client.getService('analytics');
        const w = svc.tasks.find((t) => t.name === 'worker-1')!;
        return svc.status === 'ready' && w.pid !== worker.pid && w.restarts > worker.restarts ? w : null;
      },
      120_000,
      'the killed worker to be relaunched and the service ready again',
    );
    const alive = (await masterState(masterUi)).workers.filter((w) => w.state === 'ALIVE');
    assert.deepEqual(alive.map((w) => w.host).sort(), ['127.0.10.2', '127.0.10.3']);
    assert.ok(alive.some((w) => w.host === healed.host));
    console.log(`# worker healed in ${since(t0)}`);
    await wordCount('counts-2');
  });

  it('pause --pick leader hits the master its own UI calls ALIVE; the workers stay registered', async () => {
    const client = home.client();
    const master = (await client.getService('analytics')).tasks.find((t) => t.role === 'master')!;
    assert.equal((await masterState(masterUi)).status, 'ALIVE');
    const f = await client.injectFault({ kind: 'pause', service: 'analytics', pick: 'leader' });
    try {
      assert.deepEqual(f.targets, [master.id]);
      // Stopped: its UI does not answer.
      await assert.rejects(masterState(masterUi, 1500));
    } finally {
      await client.healFault(f.id);
    }
    const after = await masterState(masterUi);
    assert.equal(after.status, 'ALIVE');
    assert.equal(after.workers.filter((w) => w.state === 'ALIVE').length, 2);
  });

  it('lists both jobs with their exit codes', async () => {
    const list = JSON.parse(await home.ok(['spark', 'jobs', 'analytics', '--json'])) as JobListView;
    assert.deepEqual(
      list.jobs.map((j) => [j.id, j.state, j.exitCode]),
      jobIds.map((id) => [id, 'finished', 0]),
    );
    const table = await home.ok(['spark', 'jobs', 'analytics']);
    assert.match(table, new RegExp(`data folder: ${data}`));
    for (const id of jobIds) assert.match(table, new RegExp(`${id}\\s+finished\\s+0\\s+app-`));
  });

  it("keeps other tenants out: their own data folder, no view of this tenant's jobs", async () => {
    await home.ok(['tenant', 'create', 'acme']);
    assert.ok(fs.statSync(path.join(home.home, 'data', 'acme')).isDirectory());
    const r = await home.cli(['spark', 'jobs', 'analytics', '--tenant', 'acme']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /SERVICE_NOT_FOUND/);
    const outside = await home.cli(['spark', 'submit', 'analytics', '/etc/hostname']);
    assert.equal(outside.code, 1);
    assert.match(outside.stderr, /JOB_APP_OUTSIDE_DATA: .*copy it there/);
  });

  it('counts a Kafka topic per key with Structured Streaming and the pinned Kafka connector', async () => {
    const t0 = Date.now();
    const options = path.join(home.home, 'clicks.json');
    fs.writeFileSync(
      options,
      JSON.stringify({ brokers: 1, topics: [{ name: 'pageviews', partitions: 3, replicationFactor: 1 }] }),
    );
    await home.ok([
      'package',
      'install',
      'kafka',
      '--name',
      'clicks',
      '--version',
      '3.9.1',
      '--options',
      options,
    ]);
    const client = home.client();
    await waitFor(
      async () => (await client.getService('clicks')).status === 'ready',
      300_000,
      'kafka service clicks',
    );
    const bootstrap = (await client.endpoints('clicks'))[0]!.values.bootstrap!;
    const producer = kafkaClient(bootstrap).producer();
    await producer.connect();
    const sent = await produceKeyed(producer, 'pageviews', 0, 2000).finally(() => producer.disconnect());
    const want = new Map<string, number>();
    for (const n of sent) want.set(`key-${n % 97}`, (want.get(`key-${n % 97}`) ?? 0) + 1);

    fs.copyFileSync(
      path.join(REPO, 'examples/spark/streaming_counts.py'),
      path.join(data, 'streaming_counts.py'),
    );
    const r = await home.cli(
      [
        'spark',
        'submit',
        '--connector',
        'kafka',
        'analytics',
        'streaming_counts.py',
        bootstrap,
        'pageviews',
        'stream-counts',
      ],
      400_000,
    );
    assert.equal(r.code, 0, `streaming job failed:\n${r.stdout.slice(-3000)}\n${r.stderr}`);
    assert.match(r.stdout, /^batch \d+: 97 keys, 2000 records$/m);
    const dir = path.join(data, 'stream-counts');
    const got = new Map<string, number>();
    for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.json'))) {
      for (const line of fs.readFileSync(path.join(dir, f), 'utf8').split('\n').filter(Boolean)) {
        const { key, count } = JSON.parse(line) as { key: string; count: number };
        got.set(key, count);
      }
    }
    assert.deepEqual(new Map([...got].sort()), new Map([...want].sort()));
    console.log(`# streaming counts in ${since(t0)}`);
  });
});
