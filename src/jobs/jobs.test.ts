/**
 * Jobs through the real process driver, with a launcher that runs small shell programs in place of
 * spark-submit: submission, the driver's log, exit codes, kill, adoption by a restarted daemon, and
 * the data-folder and tenant checks.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isFlotillaError, type ErrorCode } from '../core/errors.js';
import { pathsFor, type Paths } from '../core/paths.js';
import { ProcessDriver } from '../drivers/process/driver.js';
import { createStore, type Store } from '../state/store.js';
import { connectorLock } from '../catalog/spark/connectors.js';
import { Jobs } from './jobs.js';
import { driverMemoryMb } from './spark.js';
import type { JobLauncher } from './launcher.js';

/** Runs the job's first argument as a shell script; the app file is only checked, not run. */
const shellLauncher: JobLauncher = {
  async prepare(ctx) {
    return {
      args: ['/bin/sh', '-c', ctx.spec.args[0] ?? 'true'],
      env: { PATH: '/usr/bin:/bin', FLOTILLA_HOME: ctx.home },
      cpus: 0.1,
      mem: 64,
    };
  },
  applicationId: (text) => /app ID (app-\d+-\d+)/.exec(text)?.[1],
};

const rejectsWith = (p: Promise<unknown>, code: ErrorCode, message?: RegExp) =>
  assert.rejects(
    p,
    (err) => isFlotillaError(err) && err.code === code && (!message || message.test(err.message)),
  );

async function until<T>(probe: () => T | undefined, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('jobs', () => {
  let root: string;
  let paths: Paths;
  let store: Store;
  let data: string;
  const drivers: ProcessDriver[] = [];
  const jobsFor = () => {
    const driver = new ProcessDriver({ cgroups: 'off', daemonHome: paths.home });
    drivers.push(driver);
    let n = 0;
    return new Jobs({
      store,
      driver,
      paths,
      launchers: { spark: shellLauncher },
      log: () => undefined,
      newId: () => `job-${Date.now().toString(36)}-${n++}`,
    });
  };

  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-jobs-'));
    paths = pathsFor(root);
    store = createStore(paths.db);
    for (const [tenant, name, pkg] of [
      ['default', 'sp', 'spark'],
      ['acme', 'sp', 'spark'],
      ['default', 'cache', 'redis'],
    ] as const) {
      store.services.put(
        {
          tenant,
          name,
          package: pkg,
          version: '1',
          options: {},
          stack: null,
          dependencies: [],
          state: {},
          afterReady: null,
        },
        0,
      );
    }
    data = path.join(paths.data, 'default');
    fs.mkdirSync(data, { recursive: true });
    fs.writeFileSync(path.join(data, 'app.py'), 'print(1)\n');
  });
  after(async () => {
    for (const d of drivers)
      for (const j of store.jobs.listRunning()) await d.destroyTask(`${j.tenant}/jobs:${j.service}:${j.id}`);
    store.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it("runs the driver, keeps its output in driver.log, and records the end and the application's id", async () => {
    const jobs = jobsFor();
    const script =
      'echo "Connected to Spark cluster with app ID app-20260101000000-0007"; echo out; echo err >&2';
    const job = await jobs.submit('default', 'sp', { app: 'app.py', args: [script] });
    assert.equal(job.state, 'running');
    assert.equal(job.app, fs.realpathSync(path.join(data, 'app.py')));
    const ended = await until(() => {
      const j = jobs.get('default', 'sp', job.id);
      return j.state === 'running' ? undefined : j;
    });
    assert.equal(ended.state, 'finished');
    assert.equal(ended.exitCode, 0);
    assert.equal(ended.applicationId, 'app-20260101000000-0007');
    assert.ok(ended.endedAt);
    assert.match(
      fs.readFileSync(jobs.logFile('default', 'sp', job.id), 'utf8'),
      /app-20260101000000-0007\nout\nerr\n/,
    );
    assert.deepEqual(
      jobs.list('default', 'sp').jobs.map((j) => j.id),
      [job.id],
    );
    assert.equal(jobs.list('default', 'sp').dataDir, data);
  });

  it('records a failing driver with its exit status', async () => {
    const jobs = jobsFor();
    const job = await jobs.submit('default', 'sp', { app: 'app.py', args: ['exit 3'] });
    const ended = await until(() => {
      const j = jobs.get('default', 'sp', job.id);
      return j.state === 'running' ? undefined : j;
    });
    assert.deepEqual(
      [ended.state, ended.exitCode, ended.message],
      ['failed', 3, 'the driver exited with status 3'],
    );
  });

  it('kills a running job: SIGTERM to its group, state killed, answered once it ended', async () => {
    const jobs = jobsFor();
    const job = await jobs.submit('default', 'sp', { app: 'app.py', args: ['echo started; sleep 30'] });
    const log = jobs.logFile('default', 'sp', job.id);
    await until(() => (fs.readFileSync(log, 'utf8').includes('started') ? true : undefined));
    const killed = await jobs.kill('default', 'sp', job.id, 2000);
    assert.deepEqual([killed.state, killed.exitCode, killed.message], ['killed', 143, 'killed on request']);
    // Killing it again changes nothing.
    assert.equal((await jobs.kill('default', 'sp', job.id)).state, 'killed');
  });

  it('adopts a running driver after a restart and learns its exit status from the wrapper', async () => {
    const first = jobsFor();
    // `done` ends after the daemon went away (not seen by it), `running` after the next one adopted it.
    const running = await first.submit('default', 'sp', { app: 'app.py', args: ['sleep 4; exit 4'] });
    const done = await first.submit('default', 'sp', { app: 'app.py', args: ['sleep 1; exit 0'] });
    const gone = await first.submit('default', 'sp', { app: 'app.py', args: ['sleep 30'] });
    await first.stop(false); // the daemon goes away; its drivers keep running
    await until(() =>
      fs.existsSync(path.join(paths.jobs, 'default', 'sp', done.id, 'exit-status')) ? true : undefined,
    );
    // This one dies with the daemon, before it could write its status.
    process.kill(-(gone.pid as number), 'SIGKILL');
    await until(() => {
      try {
        process.kill(gone.pid as number, 0);
        return undefined;
      } catch {
        return true;
      }
    });

    const second = jobsFor();
    assert.deepEqual(await second.recover(), { adopted: 1, ended: 2 });
    const now = (id: string) => second.get('default', 'sp', id);
    assert.equal(now(running.id).state, 'running');
    assert.equal(now(running.id).pid, running.pid);
    assert.deepEqual(
      [now(done.id).state, now(done.id).message],
      ['finished', 'ended while the daemon was down'],
    );
    assert.deepEqual(
      [now(gone.id).state, now(gone.id).message],
      ['failed', 'daemon restarted: the driver was gone'],
    );
    const ended = await until(() => (now(running.id).state === 'running' ? undefined : now(running.id)));
    assert.deepEqual([ended.state, ended.exitCode], ['failed', 4]);
  });

  it('runs only what lies in the tenant data folder', async () => {
    const jobs = jobsFor();
    fs.writeFileSync(path.join(root, 'outside.py'), '');
    fs.symlinkSync(path.join(root, 'outside.py'), path.join(data, 'link.py'));
    fs.mkdirSync(path.join(data, 'dir.py'));
    fs.writeFileSync(path.join(data, 'notes.txt'), '');
    await rejectsWith(
      jobs.submit('default', 'sp', { app: path.join(root, 'outside.py') }),
      'JOB_APP_OUTSIDE_DATA',
      /cp /,
    );
    await rejectsWith(jobs.submit('default', 'sp', { app: '../../outside.py' }), 'JOB_APP_OUTSIDE_DATA');
    await rejectsWith(jobs.submit('default', 'sp', { app: 'link.py' }), 'JOB_APP_OUTSIDE_DATA', /leads to/);
    await rejectsWith(
      jobs.submit('default', 'sp', { app: 'missing.py' }),
      'JOB_APP_INVALID',
      /does not exist/,
    );
    await rejectsWith(jobs.submit('default', 'sp', { app: 'dir.py' }), 'JOB_APP_INVALID', /not a file/);
    await rejectsWith(
      jobs.submit('default', 'sp', { app: 'notes.txt' }),
      'JOB_APP_INVALID',
      /\.py or a \.jar/,
    );
    await rejectsWith(
      jobs.submit('default', 'sp', { app: 'app.py', jars: ['/etc/x.jar'] }),
      'JOB_APP_OUTSIDE_DATA',
    );
    await rejectsWith(jobs.submit('default', 'sp', { app: 'app.py', class: 'a.B' }), 'JOB_APP_INVALID');
    await rejectsWith(
      jobs.submit('default', 'sp', { app: 'app.py', conf: { foo: 'x' } }),
      'VALIDATION_FAILED',
    );
    // acme's folder is its own: default's application is outside it.
    await rejectsWith(jobs.submit('acme', 'sp', { app: path.join(data, 'app.py') }), 'JOB_APP_OUTSIDE_DATA');
  });

  it('keeps tenants apart and refuses services that run no jobs', async () => {
    const jobs = jobsFor();
    const [mine] = jobs.list('default', 'sp').jobs;
    assert.ok(mine);
    await assert.rejects(
      async () => jobs.get('acme', 'sp', mine.id),
      (e) => isFlotillaError(e) && e.code === 'JOB_NOT_FOUND',
    );
    assert.deepEqual(jobs.list('acme', 'sp').jobs, []);
    await assert.rejects(
      async () => jobs.list('default', 'nope'),
      (e) => isFlotillaError(e) && e.code === 'SERVICE_NOT_FOUND',
    );
    await rejectsWith(jobs.submit('default', 'cache', { app: 'app.py' }), 'JOBS_UNSUPPORTED', /redis/);
    await rejectsWith(jobs.submit('acme', 'cache', { app: 'app.py' }), 'SERVICE_NOT_FOUND');
  });
});

describe('spark jobs', () => {
  it('sizes the driver from spark.driver.memory, as Spark reads it', () => {
    assert.deepEqual([undefined, '512m', '2g', '2048', '1536k', '1t'].map(driverMemoryMb), [
      1024,
      512,
      2048,
      2048,
      2,
      1024 * 1024,
    ]);
    assert.throws(
      () => driverMemoryMb('lots'),
      (e) => isFlotillaError(e) && e.code === 'VALIDATION_FAILED',
    );
  });

  it('pins the Kafka connector for Spark 4.0.4 and names the connectors it offers', () => {
    const lock = connectorLock('4.0.4', 'kafka');
    assert.deepEqual(
      lock.artifacts.map((a) => `${a.artifactId}:${a.version}`),
      [
        'commons-pool2:2.12.0',
        'kafka-clients:3.9.1',
        'spark-sql-kafka-0-10_2.13:4.0.4',
        // Maven Central (as this network reaches it) has no 4.0.1-4.0.4 of this one; 4.0.0 has the
        // same classes and signatures that spark-sql-kafka 4.0.4 calls.
        'spark-token-provider-kafka-0-10_2.13:4.0.0',
      ],
    );
    for (const a of lock.artifacts) assert.match(a.sha256, /^[0-9a-f]{64}$/);
    assert.throws(
      () => connectorLock('4.0.4', 'hbase'),
      (e) => isFlotillaError(e) && e.code === 'VALIDATION_FAILED' && /offers kafka/.test(e.message),
    );
  });
});
