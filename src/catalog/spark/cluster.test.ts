/**
 * The spark package on real Spark: a master and 2 workers on their own virtual nodes, started from
 * the rendered launch specs, a PySpark word count submitted to them, a worker killed and restarted.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { FlotillaError } from '../../core/errors.js';
import type { HealthCheckSpec } from '../../core/health.js';
import type { LaunchSpec } from '../../core/task.js';
import { runExec } from '../../drivers/process/spawn.js';
import { runCheck } from '../../reconciler/health/index.js';
import type { PlacedTask } from '../package.js';
import { eventually, Harness } from '../zookeeper/testing/harness.js';
import { prepareJvm, TEST_ARTIFACTS } from '../zookeeper/testing/jars.js';
import { spark, SPARK_VERSION } from './index.js';
import { ensureSparkRuntime, type SparkRuntime } from './runtime.js';
import { masterState, workerState } from './status.js';
import { submit, type SubmitResult } from './submit.js';

const HOSTS = ['127.0.10.1', '127.0.10.2', '127.0.10.3'];

async function prepare(): Promise<{ java: string; runtime: SparkRuntime } | { skip: string }> {
  const jvm = await prepareJvm(spark, {});
  if ('skip' in jvm) return jvm;
  const started = Date.now();
  try {
    const runtime = await ensureSparkRuntime(TEST_ARTIFACTS, SPARK_VERSION);
    console.log(`# spark runtime ready in ${((Date.now() - started) / 1000).toFixed(1)}s at ${runtime.root}`);
    return { java: jvm.java, runtime };
  } catch (err) {
    // No PyPI or no Python on this machine: say so loudly; anything else is a bug.
    if (err instanceof FlotillaError && ['ARTIFACT_UNREACHABLE', 'BINARY_MISSING'].includes(err.code)) {
      return { skip: err.message };
    }
    throw err;
  }
}

const env = await prepare();
if ('skip' in env) console.warn(`\n!!! SKIPPING the real Spark test: ${env.skip}\n`);

const WORDS = 'the quick brown fox\njumps over the lazy dog\n\nThe dog sleeps\n';
const EXPECTED = 'brown 1\ndog 2\nfox 1\njumps 1\nlazy 1\nover 1\nquick 1\nsleeps 1\nthe 3\n';
const WORD_COUNT_PY = `import sys
from pyspark.sql import SparkSession

spark = SparkSession.builder.appName("flotilla-wordcount").getOrCreate()
lines = spark.sparkContext.textFile(sys.argv[1], minPartitions=4)
counts = (lines.flatMap(lambda line: line.lower().split())
          .map(lambda word: (word, 1))
          .reduceByKey(lambda a, b: a + b)
          .collect())
for word, n in sorted(counts):
    print(word, n)
spark.stop()
`;

function sparkTmpEntries(): Set<string> {
  return new Set(fs.readdirSync(os.tmpdir()).filter((n) => /^(spark-|blockmgr-)/.test(n)));
}

describe('spark package on real Spark', { skip: 'skip' in env ? env.skip : false }, () => {
  const cluster = new Harness();
  const tmpBefore = sparkTmpEntries();
  after(async () => {
    await cluster.close();
    const left = [...sparkTmpEntries()].filter((n) => !tmpBefore.has(n));
    assert.deepEqual(left, [], `Spark left ${left.join(', ')} in ${os.tmpdir()}`);
  });

  it('installs the runtime once: concurrent callers get the same verified paths', async () => {
    if ('skip' in env) return;
    const again = await Promise.all([
      ensureSparkRuntime(TEST_ARTIFACTS, SPARK_VERSION),
      ensureSparkRuntime(TEST_ARTIFACTS, SPARK_VERSION),
    ]);
    assert.deepEqual(again, [env.runtime, env.runtime]);
    const marker = JSON.parse(fs.readFileSync(path.join(env.runtime.root, 'installed.json'), 'utf8'));
    assert.equal(marker.version, SPARK_VERSION);
    assert.ok(
      fs.existsSync(path.join(env.runtime.sparkHome, 'jars', `spark-core_2.13-${SPARK_VERSION}.jar`)),
    );
  });

  it('runs a master and 2 workers, a PySpark word count on them, and survives a killed worker', async (t) => {
    if ('skip' in env) return;
    const t0 = Date.now();
    const since = (from: number) => `${((Date.now() - from) / 1000).toFixed(1)}s`;
    // Every daemon on a node of its own: the master on the first host, worker i on host i + 1.
    const { tasks, specs, values } = await cluster.deploy(
      spark,
      'spark',
      { workers: 2, workerMemoryMb: 512 },
      { java: env.java, classpath: [], artifactsDir: TEST_ARTIFACTS },
      HOSTS,
      {},
      (slot) => HOSTS[slot.role === 'master' ? 0 : (1 + slot.index) % HOSTS.length]!,
    );
    assert.deepEqual(
      tasks.map((x) => [x.name, x.host]),
      [
        ['master-0', '127.0.10.1'],
        ['worker-0', '127.0.10.2'],
        ['worker-1', '127.0.10.3'],
      ],
    );
    const [master, , worker1] = tasks as [PlacedTask, PlacedTask, PlacedTask];
    const check = (task: PlacedTask, i: number) => {
      const spec = specs[task.name] as LaunchSpec;
      const target = {
        host: task.host,
        ports: task.ports,
        exec: (command: string, ms: number) => runExec(command, ms, spec.env, task.sandbox),
      };
      return runCheck(spec.healthChecks[i] as HealthCheckSpec, target);
    };
    const ready = (task: PlacedTask, what: string) =>
      eventually(what, 90, async () => {
        const r = await check(task, 0);
        return r.ok ? r.message : new Error(`${r.message}\n${cluster.tail(task.name, 10)}`);
      });

    assert.equal(await ready(master, 'the master sees 2 workers ALIVE'), '2 of 2 workers ALIVE');
    t.diagnostic(`cluster ready in ${since(t0)}`);
    for (const task of tasks) {
      assert.equal((await check(task, 0)).ok, true, `${task.name} ready`);
      assert.equal((await check(task, 1)).ok, true, `${task.name} live`);
    }
    const state = await masterState(values.masterUi as string);
    assert.equal(state.url, values.masterUrl);
    assert.deepEqual(state.workers.map((w) => [w.host, w.state, w.cores, w.memory]).sort(), [
      ['127.0.10.2', 'ALIVE', 1, 512],
      ['127.0.10.3', 'ALIVE', 1, 512],
    ]);
    // The web UIs bind their node's address only (Spark's default would be 0.0.0.0).
    assert.match(cluster.logs.get('master-0') ?? '', /Bound MasterWebUI to 127\.0\.10\.1/);

    // The tenant's data folder, at the same path for the driver and every executor.
    const data = path.join(cluster.root, 'data', 'default');
    fs.mkdirSync(data, { recursive: true });
    fs.writeFileSync(path.join(data, 'words.txt'), WORDS);
    fs.writeFileSync(path.join(data, 'wordcount.py'), WORD_COUNT_PY);
    let run = 0;
    const wordCount = async (): Promise<SubmitResult> => {
      const started = Date.now();
      let stdout = '';
      let stderr = '';
      const result = await submit({
        runtime: env.runtime,
        java: env.java,
        masterUrl: values.masterUrl as string,
        app: path.join(data, 'wordcount.py'),
        args: [path.join(data, 'words.txt')],
        executorMemoryMb: 512,
        workDir: path.join(cluster.root, 'drivers', String(++run)),
        // The driver's own UI would take 4040 on 127.0.0.1: not needed here.
        conf: { 'spark.ui.enabled': 'false' },
        signal: AbortSignal.timeout(180_000),
        onStdout: (c) => (stdout += c),
        onStderr: (c) => (stderr += c),
      });
      const tail = stderr.trimEnd().split('\n').slice(-20).join('\n');
      assert.equal(result.exitCode, 0, `spark-submit failed:\n${tail}`);
      assert.equal(stdout, EXPECTED);
      assert.match(result.applicationId ?? '', /^app-\d{14}-\d{4}$/);
      t.diagnostic(`word count ${run} (${result.applicationId}) took ${since(started)}`);
      return result;
    };

    const first = await wordCount();
    await eventually('the master lists the application as finished', 30, async () => {
      const s = await masterState(values.masterUi as string);
      return s.completedapps.find((a) => a.id === first.applicationId && a.state === 'FINISHED');
    });
    // Executors ran on both workers (standalone spreads an application over every worker).
    for (const workerUi of (values.workerUis as string).split(',')) {
      await eventually(`an executor of ${first.applicationId} finished on ${workerUi}`, 30, async () => {
        const w = await workerState(workerUi);
        return w.finishedexecutors.find((e) => e.appid === first.applicationId);
      });
    }

    const killedAt = Date.now();
    await cluster.kill(worker1.name, 'SIGKILL');
    const lost = await eventually('the master notices the killed worker', 60, async () => {
      const r = await check(master, 0);
      return r.ok ? undefined : r.message;
    });
    assert.equal(lost, 'exit 1: 1 of 2 workers ALIVE');
    cluster.launch(worker1, specs[worker1.name] as LaunchSpec);
    await ready(worker1, 'the restarted worker is ALIVE at the master');
    assert.equal(await ready(master, 'the master sees 2 workers ALIVE again'), '2 of 2 workers ALIVE');
    t.diagnostic(`worker killed and back in ${since(killedAt)}`);

    const second = await wordCount();
    assert.notEqual(second.applicationId, first.applicationId);
    t.diagnostic(`whole test ${since(t0)}`);
  });
});
