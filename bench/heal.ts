import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FlotillaClient } from '../src/client/client.js';
import type { FlotillaEvent } from '../src/core/streams.js';
import { runCheck } from '../src/reconciler/health/index.js';
import { TestHome, median, ms, report, timed } from './util.js';

/**
 * Heal: SIGKILL of a Redis task, then (a) the time until the daemon's event stream says the task
 * is down, and (b) until it is healthy again — next to Redis's own cold start by hand (the same
 * redis-server command and configuration, polled every 5 ms until it answers PING).
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const STACK = 'name: heal\nservices:\n  cache:\n    package: redis\n    options: { persistence: none }\n';
export const DOWN = new Set(['failed', 'killed', 'lost', 'finished']);

async function coldStart(args: string[], config: string, host: string, port: number): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-bench-heal-'));
  const conf = path.join(dir, 'redis.conf');
  fs.writeFileSync(conf, config.replaceAll(/\/\S*\/data/g, dir));
  const spec = {
    protocol: 'REDIS' as const,
    portIndex: 0,
    gracePeriodSeconds: 0,
    intervalSeconds: 1,
    timeoutSeconds: 1,
    maxConsecutiveFailures: 0,
  };
  const target = { host, ports: [port], exec: () => Promise.reject(new Error('no exec')) };
  const child = spawn(args[0]!, [conf], { stdio: 'ignore' });
  try {
    const [elapsed] = await timed(async () => {
      while (!(await runCheck(spec, target)).ok) await new Promise((r) => setTimeout(r, 5));
    });
    return elapsed;
  } finally {
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Resolves with the time (ms since `from`) of the first event of `task` that `matches`. */
function nextEvent(
  waiters: ((e: FlotillaEvent, at: bigint) => boolean)[],
  task: string,
  matches: (state: string) => boolean,
  from: () => bigint,
): Promise<number> {
  return new Promise((resolve) => {
    waiters.push((e, at) => {
      if (e.type !== 'task_state' || e.data.task !== task || !matches(String(e.data.state))) return false;
      resolve(Number(at - from()) / 1e6);
      return true;
    });
  });
}

/**
 * The daemon's event stream, read from now until `signal` aborts: `next` resolves with the time (ms
 * since `from()`) of the first `task_state` event of `task` whose state `matches`.
 */
export function taskEvents(client: FlotillaClient, signal: AbortSignal) {
  const waiters: ((e: FlotillaEvent, at: bigint) => boolean)[] = [];
  const stream = client
    .events((e) => {
      const at = process.hrtime.bigint();
      for (let i = 0; i < waiters.length; i++) if (waiters[i]!(e, at)) waiters.splice(i--, 1);
    }, signal)
    .catch(() => undefined);
  return {
    stream,
    next: (task: string, matches: (state: string) => boolean, from: () => bigint) =>
      nextEvent(waiters, task, matches, from),
  };
}

export async function main(): Promise<void> {
  const home = new TestHome();
  const file = path.join(home.home, 'heal.yml');
  fs.writeFileSync(file, STACK);
  const seen: number[] = [];
  const healed: number[] = [];
  const cold: number[] = [];
  const abort = new AbortController();
  try {
    await home.ok(['up', '-f', file, '--wait']);
    const client = home.client();
    const events = taskEvents(client, abort.signal);
    for (let i = 0; i < ROUNDS; i++) {
      const [task] = await client.listTasks({ owner: 'cache' });
      if (!task?.pid || task.state !== 'healthy') throw new Error(`cache is not healthy: ${task?.state}`);
      let killedAt = 0n;
      const from = () => killedAt;
      const down = events.next(task.id, (s) => DOWN.has(s), from);
      const up = events.next(task.id, (s) => s === 'healthy', from);
      killedAt = process.hrtime.bigint();
      process.kill(task.pid, 'SIGKILL');
      seen.push(await down);
      healed.push(await up);
      // Redis's own cold start, by hand, with the very same command and configuration.
      const config = fs.readFileSync(path.join(task.sandbox, 'config', 'redis.conf'), 'utf8');
      await home.ok(['down', 'heal']);
      cold.push(await coldStart(task.args!, config, task.host, task.ports[0]!));
      await home.ok(['up', '-f', file, '--wait']);
    }
    abort.abort();
    await events.stream;
  } finally {
    abort.abort();
    await home.cleanup();
  }
  const goal = median(cold) + 1000;
  report('Heal: SIGKILL of a Redis task → seen dead (event) → healthy again, vs its cold start by hand', [
    ['rounds', String(ROUNDS)],
    ['SIGKILL → task_state event (median)', ms(median(seen))],
    ['SIGKILL → task_state event (max)', ms(Math.max(...seen))],
    ['goal seen dead', '≤ 100 ms'],
    ['SIGKILL → healthy again (median)', ms(median(healed))],
    ['redis-server cold start by hand (median)', ms(median(cold))],
    ['goal healthy again', `≤ cold start + 1 s = ${ms(goal)}`],
    ['ratio healthy again / cold start', (median(healed) / median(cold)).toFixed(2)],
  ]);
}
