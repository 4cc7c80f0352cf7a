import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { FlotillaError } from '../../core/errors.js';
import type { PlacedTask } from '../package.js';
import { validateOptions } from '../registry.js';
import { shellWord } from './config.js';
import { spark } from './index.js';
import type { RenderContext } from '../package.js';
import { sparkRuntimePaths } from './runtime.js';
import { parseApplicationId, submit, submitArgs, submitEnv } from './submit.js';

function placed(options: Record<string, unknown>): PlacedTask[] {
  return spark.layout(options).map((slot, i) => ({
    ...slot,
    host: `127.0.10.${i + 1}`,
    bindHost: `127.0.10.${i + 1}`,
    publicHost: `127.0.10.${i + 1}`,
    ports: [7000 + i, 8000 + i],
    sandbox: `/sb/${slot.name}`,
  }));
}

describe('spark options', () => {
  it('defaults to a master and 2 workers of 1 core and 1 GB, workers one per node', () => {
    const o = validateOptions(spark, {});
    assert.deepEqual(o, {
      workers: 2,
      workerCores: 1,
      workerMemoryMb: 1024,
      daemonHeapMb: 256,
      masterPort: 0,
      masterUiPort: 0,
      workerPort: 0,
      workerUiPort: 0,
      masterCpus: 0.5,
    });
    const slots = spark.layout(o);
    assert.deepEqual(
      slots.map((s) => [s.name, s.role, s.cpus, s.mem, s.ports.length, s.constraints?.length ?? 0]),
      [
        ['master-0', 'master', 0.5, 640, 2, 0],
        ['worker-0', 'worker', 1, 1664, 2, 1],
        ['worker-1', 'worker', 1, 1664, 2, 1],
      ],
    );
  });

  it('refuses executors smaller than Spark accepts and task memory that cannot hold them', () => {
    assert.throws(() => validateOptions(spark, { workerMemoryMb: 256 }), /"workerMemoryMb".*>= 450/);
    assert.throws(
      () => spark.layout(validateOptions(spark, { workerMemoryMb: 2048, workerMem: 2048 })),
      (err: FlotillaError) =>
        err.code === 'PACKAGE_OPTIONS_INVALID' &&
        /"workerMem".*must exceed "workerMemoryMb"/.test(err.message),
    );
  });
});

describe('spark render', () => {
  const options = validateOptions(spark, { workers: 2, workerCores: 2, workerMemoryMb: 2048 });
  const tasks = placed(options);
  const ctx: RenderContext = {
    service: 'analytics',
    tenant: 'acme',
    options,
    tasks,
    binaries: {},
    state: {},
    java: '/jdk/bin/java',
    classpath: [],
    artifactsDir: '/cache',
  };
  const specs = spark.render(ctx);
  const rt = sparkRuntimePaths('/cache', spark.version);

  it('runs the master and workers through the runtime spark-class, bound to their node', () => {
    assert.deepEqual(specs['master-0']?.args, [
      '/cache/pyspark/4.0.4/spark-home/bin/spark-class',
      'org.apache.spark.deploy.master.Master',
      '--host',
      '127.0.10.1',
      '--port',
      '7000',
      '--webui-port',
      '8000',
      '--properties-file',
      '/sb/master-0/config/spark-defaults.conf',
    ]);
    assert.deepEqual(specs['worker-1']?.args?.slice(1), [
      'org.apache.spark.deploy.worker.Worker',
      'spark://127.0.10.1:7000',
      '--host',
      '127.0.10.3',
      '--port',
      '7002',
      '--webui-port',
      '8002',
      '--cores',
      '2',
      '--memory',
      '2048m',
      '--work-dir',
      '/sb/worker-1/data/work',
      '--properties-file',
      '/sb/worker-1/config/spark-defaults.conf',
    ]);
    const env = specs['worker-1']?.env ?? {};
    assert.equal(env.SPARK_HOME, rt.sparkHome);
    assert.equal(env.JAVA_HOME, '/jdk');
    assert.equal(env.SPARK_LOCAL_IP, '127.0.10.3');
    assert.equal(env.SPARK_LOCAL_DIRS, '/sb/worker-1/data/local');
    assert.equal(env.SPARK_WORKER_DIR, '/sb/worker-1/data/work');
    assert.match(env.SPARK_DAEMON_JAVA_OPTS ?? '', /-Djava\.io\.tmpdir=\/sb\/worker-1\/data\/tmp /);
    assert.equal(specs['master-0']?.env.SPARK_WORKER_DIR, undefined);
    assert.deepEqual(
      [specs['master-0']?.cpus, specs['master-0']?.mem, specs['worker-0']?.cpus, specs['worker-0']?.mem],
      [0.5, 640, 2, 2688],
    );
  });

  it('is ready when the master sees every worker ALIVE, live while the web UI answers', () => {
    const [ready, live] = specs['master-0']?.healthChecks ?? [];
    assert.equal(ready?.protocol, 'COMMAND');
    assert.equal(ready?.maxConsecutiveFailures, 0);
    assert.equal(ready?.command, `${rt.python} /sb/master-0/bin/ready.py http://127.0.10.1:8000 2`);
    assert.deepEqual([live?.protocol, live?.portIndex, live?.path], ['HTTP', 1, '/json/']);
    const workerReady = specs['worker-0']?.healthChecks[0];
    assert.equal(
      workerReady?.command,
      `${rt.python} /sb/worker-0/bin/ready.py http://127.0.10.1:8000 127.0.10.2:7001`,
    );
  });

  it('offers the master URL and the web UIs as endpoints', () => {
    assert.deepEqual(spark.endpoints(ctx), [
      { name: 'spark', addresses: ['127.0.10.1:7000'], values: { masterUrl: 'spark://127.0.10.1:7000' } },
      {
        name: 'spark-ui',
        addresses: ['127.0.10.1:8000', '127.0.10.2:8001', '127.0.10.3:8002'],
        values: {
          masterUi: 'http://127.0.10.1:8000',
          workerUis: 'http://127.0.10.2:8001,http://127.0.10.3:8002',
        },
      },
    ]);
  });

  it('asks for its version of the PySpark runtime before launch', () => {
    const specs = spark.render(ctx);
    assert.deepEqual(specs['worker-0']!.runtime, { kind: 'pyspark', version: '4.0.4' });
  });
});

describe('spark submit', () => {
  const req = {
    runtime: sparkRuntimePaths('/cache', '4.0.4'),
    java: '/jdk/bin/java',
    masterUrl: 'spark://127.0.10.1:7077',
    app: '/data/wc.py',
    args: ['/data/in.txt'],
    workDir: '/w',
    executorMemoryMb: 512,
  };

  it('runs spark-submit in client mode with the driver and its files on this side', () => {
    const args = submitArgs(req);
    assert.deepEqual(args.slice(0, 7), [
      '/cache/pyspark/4.0.4/spark-home/bin/spark-submit',
      '--master',
      'spark://127.0.10.1:7077',
      '--deploy-mode',
      'client',
      '--executor-memory',
      '512m',
    ]);
    assert.ok(args.includes('spark.driver.host=127.0.0.1'));
    assert.ok(args.includes('spark.local.dir=/w/local'));
    assert.ok(args.includes('spark.pyspark.python=/cache/pyspark/4.0.4/venv/bin/python'));
    assert.deepEqual(args.slice(-2), ['/data/wc.py', '/data/in.txt']);
    const env = submitEnv(req);
    assert.equal(env.PYSPARK_PYTHON, '/cache/pyspark/4.0.4/venv/bin/python');
    assert.equal(env.SPARK_LOCAL_IP, '127.0.0.1');
    assert.throws(() => submitArgs({ ...req, app: '/data/wc.txt' }), /\.py or a \.jar/);
  });

  it('reads the application id the master gave from the driver log', () => {
    const log =
      '26/11/21 22:40:12 INFO StandaloneSchedulerBackend: Connected to Spark cluster with app ID ' +
      'app-20261121224012-0000\n';
    assert.equal(parseApplicationId(log), 'app-20261121224012-0000');
    assert.equal(
      parseApplicationId('Executor added: app-20261121224012-0042/0 on worker'),
      'app-20261121224012-0042',
    );
    assert.equal(parseApplicationId('no id here'), undefined);
  });

  it('quotes health-check command words for the shell', () => {
    assert.equal(shellWord('/a/b.py'), '/a/b.py');
    assert.equal(shellWord("/my dir/it's"), `'/my dir/it'\\''s'`);
  });

  it('streams the driver output, reads the id, and stops the whole driver group on abort', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-submit-'));
    try {
      // A stand-in spark-submit: leaves a child running, as the JVM's Python does, then logs like a
      // driver. The child is started (and its pid written) before the line the test aborts on.
      const runtime = { ...sparkRuntimePaths(root, '4.0.4'), sparkSubmit: path.join(root, 'spark-submit') };
      fs.writeFileSync(
        runtime.sparkSubmit,
        '#!/bin/sh\nsleep 60 &\necho $! > child.pid\necho "INFO StandaloneSchedulerBackend: Connected to Spark cluster with app ID ' +
          'app-20260101000000-0007" >&2\necho "$@" | tr " " "\\n" | tail -1\nwait\n',
        { mode: 0o755 },
      );
      const controller = new AbortController();
      let out = '';
      const done = submit({
        ...req,
        runtime,
        workDir: root,
        killGraceMs: 500,
        signal: controller.signal,
        onStdout: (c) => {
          out += c;
          if (out.includes('/data/in.txt')) controller.abort();
        },
      });
      const result = await done;
      assert.equal(out, '/data/in.txt\n');
      assert.equal(result.applicationId, 'app-20260101000000-0007');
      assert.equal(result.signal, 'SIGTERM');
      const child = Number(fs.readFileSync(path.join(root, 'child.pid'), 'utf8'));
      // Gone, or a zombie waiting for init to reap it; a loaded machine may take a moment to run the
      // signalled child to its end.
      const stateOf = () =>
        fs.existsSync(`/proc/${child}/stat`)
          ? fs.readFileSync(`/proc/${child}/stat`, 'utf8').split(') ')[1]?.[0]
          : 'gone';
      let state = stateOf();
      for (let i = 0; i < 40 && state !== 'gone' && state !== 'Z'; i++) {
        await new Promise((r) => setTimeout(r, 50));
        state = stateOf();
      }
      assert.ok(state === 'gone' || state === 'Z', `the driver's child is still running (${state})`);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
