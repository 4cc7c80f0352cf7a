import { randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { DockerDriver } from '../src/drivers/docker/driver.js';
import { BASE_IMAGE } from '../src/images/layout.js';
import { dockerEngine } from '../test/helpers/docker.js';
import { median, ms, report, TestHome, timed } from './util.js';

const exec = promisify(execFile);

/**
 * Per-container start overhead of the Docker driver against `docker run -d` of the same image and
 * command on a user-defined network, measured side by side, rounds interleaved: the driver's
 * startTask (data volume, sandbox mount, container, start, log follower and exit watch) to a running
 * container on its stack's network, which a first task keeps, as in a stack; and `flotilla up --wait`
 * of a one-service Compose file (network, scheduling, CLI and all) against the same `docker run`.
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);

const HAND_NETWORK = 'flt-bench-hand';
const DRIVER_NETWORK = 'flt-bench-start';

async function dockerRun(): Promise<number> {
  const name = `flt-bench-${randomUUID().slice(0, 8)}`;
  const [t] = await timed(() =>
    exec('docker', [
      'run',
      '-d',
      '--init',
      '--network',
      HAND_NETWORK,
      '--name',
      name,
      BASE_IMAGE,
      'sleep',
      '600',
    ]),
  );
  await exec('docker', ['rm', '-f', name]);
  return t;
}

async function driverStart(driver: DockerDriver, root: string, i: number | 'keeper'): Promise<number> {
  const sandbox = fs.mkdtempSync(path.join(root, 'task-'));
  const taskKey = `bench/start-${i}`;
  const [t] = await timed(() =>
    driver.startTask({
      taskKey,
      launchId: randomUUID(),
      sandbox,
      args: ['sleep', '600'],
      env: {},
      cpus: 0.1,
      mem: 64,
      container: {
        image: BASE_IMAGE,
        aliases: [`start-${i}`],
        publish: [],
        mounts: [],
        hostIp: '127.0.0.1',
        network: { name: DRIVER_NETWORK, labels: {} },
        labels: {},
        dataVolume: `flt-bench-start-${i}-data`,
        volumePrefix: 'flt-bench-start-',
      },
    }),
  );
  if (i !== 'keeper') {
    await driver.destroyTask(taskKey);
    await driver.purgeTask(taskKey);
  }
  return t;
}

async function composeUp(home: TestHome, file: string): Promise<number> {
  const [t] = await timed(() => home.ok(['up', '-f', file, '--wait', '--timeout', '120']));
  await home.ok(['down', 'bench-one', '--purge']);
  return t;
}

export async function main(): Promise<void> {
  const probe = await dockerEngine();
  if ('skip' in probe) return console.log(`\n## docker-start: ${probe.skip}`);
  const { engine } = probe;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-bench-docker-'));
  const driver = new DockerDriver({ engine, daemonId: 'benchdrv', defaultImage: BASE_IMAGE });
  const home = new TestHome();
  const file = path.join(root, 'docker-compose.yml');
  fs.writeFileSync(
    file,
    `name: bench-one\nservices:\n  one:\n    image: ${BASE_IMAGE}\n    command: sleep 600\n    init: true\n`,
  );
  const byHand: number[] = [];
  const byDriver: number[] = [];
  const byUp: number[] = [];
  try {
    await home.ok(['daemon', 'start']);
    await exec('docker', ['network', 'create', HAND_NETWORK]);
    // The driver's network lives while a task of the stack runs: this one keeps it.
    await driverStart(driver, root, 'keeper');
    // One warm-up of each: the first container start pays for the page cache.
    await dockerRun();
    await driverStart(driver, root, -1);
    await composeUp(home, file);
    for (let i = 0; i < ROUNDS; i++) {
      byHand.push(await dockerRun());
      byDriver.push(await driverStart(driver, root, i));
      if (i < 5) byUp.push(await composeUp(home, file));
    }
  } finally {
    await driver.destroyTask('bench/start-keeper').catch(() => undefined);
    await driver.purgeTask('bench/start-keeper').catch(() => undefined);
    await exec('docker', ['network', 'rm', HAND_NETWORK]).catch(() => undefined);
    await home.cleanup();
    engine.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
  report(`docker-start: one container to running, ${ROUNDS} rounds interleaved (medians)`, [
    ['docker run -d --network (the Docker CLI)', ms(median(byHand))],
    ['DockerDriver.startTask', ms(median(byDriver))],
    ['ratio driver / docker run', (median(byDriver) / median(byHand)).toFixed(2)],
    [`flotilla up --wait of a one-service Compose file (${byUp.length} rounds)`, ms(median(byUp))],
    ['ratio up --wait / docker run', (median(byUp) / median(byHand)).toFixed(2)],
  ]);
}
