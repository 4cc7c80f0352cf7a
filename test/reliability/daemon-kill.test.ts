import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { TaskView } from '../../src/core/api-schemas.js';
import { CLI, isAlive, REPO, TestHome, waitFor } from '../helpers/flotilla.js';
import { assertClean, prng, sample, taskProcesses, watchSettling, type Violations } from './invariants.js';

/**
 * SIGKILL of the daemon at a random moment of `up`, `down` and a scale (a stack file applied again
 * with other counts), on Redis stacks of the process driver. After each kill the daemon is started
 * again on the same home; then, while it settles and after the stack file (or the `down`) is applied
 * again: no orphan process, no task running twice, no slot held twice, and what runs is what the file
 * declares, every task ready. The seed is printed; FLOTILLA_RELIABILITY_SEED=<seed> replays the draws.
 */
const SEED = Number(process.env.FLOTILLA_RELIABILITY_SEED ?? Math.floor(Math.random() * 2 ** 31));
const TRIALS = Number(process.env.FLOTILLA_RELIABILITY_TRIALS ?? 47);
const STACK = 'rel';
/** The longest wait after the command starts before the kill, by kind: about what the command takes here. */
const MAX_DELAY_MS = { up: 2500, scale: 2000, down: 1200 } as const;
type Kind = keyof typeof MAX_DELAY_MS;

interface Shape {
  replicas: number;
  workers: number;
}

function stackFile({ replicas, workers }: Shape): string {
  return `
name: ${STACK}
services:
  cache:
    package: redis
    options: { replicas: ${replicas}, password: rel-secret, maxmemory: 16mb, cpus: 0.1, mem: 64 }
apps:
  worker:
    args: [sleep, "3600"]
    instances: ${workers}
    cpus: 0.05
    mem: 16
    env:
      REDIS_URL: \${cache.url}
    healthChecks:
      - protocol: COMMAND
        command: { value: 'test -n "$REDIS_URL"' }
        gracePeriodSeconds: 10
        intervalSeconds: 1
`;
}

export interface TrialRecord {
  trial: number;
  kind: string;
  delayMs: number;
  converged: boolean;
  orphans: number;
  duplicates: number;
}

/**
 * The trials run in LANES homes side by side, each with its own daemon and its own draws (seed
 * SEED + lane): they are mostly waits (a daemon's start, Redis's), so two lanes halve the time.
 */
const LANES = 2;

describe(
  'daemon SIGKILL at a random moment of up, down and scale (Redis stacks)',
  { concurrency: LANES },
  () => {
    const homes = Array.from({ length: LANES }, () => new TestHome());
    const records: TrialRecord[] = [];
    const started = Date.now();

    after(async () => {
      const kinds = Object.fromEntries(
        (['up', 'scale', 'down'] as const).map((k) => [k, records.filter((r) => r.kind === k).length]),
      );
      const summary = {
        seed: SEED,
        lanes: LANES,
        trials: records.length,
        kinds,
        orphans: records.reduce((n, r) => n + r.orphans, 0),
        duplicates: records.reduce((n, r) => n + r.duplicates, 0),
        converged: records.filter((r) => r.converged).length,
        seconds: Math.round((Date.now() - started) / 1000),
      };
      console.log(`reliability(redis): ${JSON.stringify(summary)}`);
      let left = 0;
      for (const home of homes) left += await home.cleanup();
      assert.equal(left, 0, 'processes left behind after the trials');
    });

    for (let lane = 0; lane < LANES; lane++) {
      const trials = Math.floor(TRIALS / LANES) + (lane < TRIALS % LANES ? 1 : 0);
      it(`lane ${lane + 1}: ${trials} trials, each with a SIGKILL of the daemon (seed ${SEED + lane})`, () =>
        runTrials(homes[lane]!, SEED + lane, trials, records));
    }
  },
);

/** One home's trials: each a command, its daemon SIGKILLed after a random delay, then the checks. */
async function runTrials(
  home: TestHome,
  seed: number,
  trials: number,
  records: TrialRecord[],
): Promise<void> {
  const file = path.join(home.home, `${STACK}.yml`);
  console.log(`reliability(redis): seed ${seed} (FLOTILLA_RELIABILITY_SEED=${SEED} replays it)`);
  const random = prng(seed);
  const pick = (n: number) => Math.floor(random() * n);
  let current: Shape | null = null;
  await home.ok(['ps']);
  for (let trial = 1; trial <= trials; trial++) {
    const kind: Kind = current === null ? 'up' : random() < 0.6 ? 'scale' : 'down';
    let target: Shape | null = null;
    if (kind !== 'down') {
      do target = { replicas: pick(3), workers: 1 + pick(3) };
      while (
        kind === 'scale' &&
        current &&
        target.replicas === current.replicas &&
        target.workers === current.workers
      );
    }
    const delayMs = Math.round(random() * MAX_DELAY_MS[kind]);
    const what = `trial ${trial} (seed ${seed}): ${kind}${target ? ` to ${JSON.stringify(target)}` : ''}, kill after ${delayMs} ms`;
    const record: TrialRecord = { trial, kind, delayMs, converged: false, orphans: 0, duplicates: 0 };
    records.push(record);

    if (target) fs.writeFileSync(file, stackFile(target));
    const daemon = home.daemonInfo()!.pid;
    const command = spawn(
      CLI,
      target ? ['up', '-f', file, '--wait', '--timeout', '60'] : ['down', STACK, '--no-wait'],
      { env: home.env, cwd: REPO, stdio: 'ignore' },
    );
    const exited = new Promise((r) => command.once('exit', r));
    await new Promise((r) => setTimeout(r, delayMs));
    process.kill(daemon, 'SIGKILL');
    await waitFor(() => !isAlive(daemon), 5_000, 'the killed daemon to be gone');
    const t0 = Date.now();
    // The CLI that lost its daemon goes too: a stale `up` must not apply an old shape later.
    await Promise.race([exited, new Promise((r) => setTimeout(r, 300))]);
    command.kill('SIGKILL');
    await exited;
    const t1 = Date.now();

    // The next CLI command starts a daemon on the same home.
    await home.ok(['ps']);
    const t2 = Date.now();
    const settling = await watchSettling(home, 1_000);
    record.orphans += settling.orphans.length;
    record.duplicates += settling.duplicates.length;
    assertClean(settling, `${what}, after the restart`);

    // The user applies the file again (or `down` again): the state converges to it.
    if (target) await home.ok(['up', '-f', file, '--wait', '--timeout', '60'], 90_000);
    else {
      const r = await home.cli(['down', STACK]);
      assert.ok(r.code === 0 || /STACK_NOT_FOUND|not found/i.test(r.stderr), `${what}: ${r.stderr}`);
    }
    const t3 = Date.now();
    const final = await converged(home, target);
    if (process.env.FLOTILLA_RELIABILITY_TRACE)
      console.log(
        `${what}: command ${t1 - t0} restart ${t2 - t1} reapply ${t3 - t2} converge ${Date.now() - t3}`,
      );
    record.orphans += final.orphans.length;
    record.duplicates += final.duplicates.length;
    assertClean(final, `${what}, after applying it again`);
    record.converged = true;
    current = target;
  }
}

/**
 * What runs equals what the file declares: the cache's primary and replicas and the workers, each
 * ready and alive in its own process group, no task left from an earlier shape, nothing else running.
 */
async function converged(home: TestHome, target: Shape | null): Promise<Violations> {
  const expected = target
    ? [
        ...Array.from({ length: 1 + target.replicas }, (_, i) => `cache.redis-${i}`),
        ...Array.from({ length: target.workers }, (_, i) => `worker.${i}`),
      ].sort()
    : [];
  let last: TaskView[] = [];
  try {
    await waitFor(
      async () => {
        last = await home.client().listTasks();
        const ids = last.map((t) => t.id).sort();
        return (
          JSON.stringify(ids) === JSON.stringify(expected) &&
          last.every((t) => t.ready && t.pid !== null && isAlive(t.pid)) &&
          taskProcesses(home.home).every((p) => p.exec || last.some((t) => t.pid === p.pgid))
        );
      },
      30_000,
      'the tasks to be what the file declares',
    );
  } catch (err) {
    const procs = taskProcesses(home.home).map((p) => `${p.pid}/${p.pgid} ${p.task} ${p.cmdline}`);
    const tasks = last.map((t) => `${t.id} ${t.state} desired=${t.desired} pid=${t.pid} ${t.message ?? ''}`);
    throw new Error(
      `${String(err)}\nexpected ${expected.join(', ')}\ntasks:\n  ${tasks.join('\n  ')}\nprocesses:\n  ${procs.join('\n  ')}`,
    );
  }
  return sample(home);
}
