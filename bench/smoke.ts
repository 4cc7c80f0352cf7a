import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FIGURES } from './figures.js';

/**
 * `npm run bench:smoke` (in `npm run test:ci`): every bench script once at its smallest size, so
 * none rots. The figures it prints mean nothing; that each script runs to its report does.
 */
const SMALLEST: Record<string, Record<string, string>> = {
  'redis-up': { BENCH_ROUNDS: '1' },
  'ps-200-apps': { BENCH_APPS: '2', BENCH_SAMPLES: '1' },
  'kafka-up': { BENCH_ROUNDS: '1', BENCH_COLD: '0' },
  'kafka-down': { BENCH_ROUNDS: '1' },
  replace: { BENCH_ROUNDS: '1' },
  scheduler: { BENCH_ROUNDS: '1' },
  'streaming-dev': { BENCH_ROUNDS: '1', BENCH_PARALLEL: '0' },
  'docker-start': { BENCH_ROUNDS: '1' },
  'kafka-docker': { BENCH_ROUNDS: '1' },
  isolation: { BENCH_LAUNCHES: '2', BENCH_CONNECTS: '10', BENCH_ROUNDS: '2', BENCH_RULES: '10' },
  heal: { BENCH_ROUNDS: '1' },
  'heal-kafka': { BENCH_ROUNDS: '1' },
  adoption: { BENCH_TASKS: '5' },
  dns: { BENCH_DNS_TASKS: '30', BENCH_DNS_SECONDS: '1', BENCH_ROUNDS: '1', BENCH_DNS_QPS: '500' },
  'api-scale': { BENCH_TASKS: '20', BENCH_SAMPLES: '5', BENCH_CLI_SAMPLES: '1' },
  'image-pull': { BENCH_ROUNDS: '1', BENCH_PULL_MB: '4' },
  console: { BENCH_APPS: '10', BENCH_SAMPLES: '1', BENCH_LIVE_S: '2' },
};
/** The JVM stacks need their time even at one round (and beside another script); the rest is quick. */
const LIMIT_S: Record<string, number> = {
  'kafka-up': 600,
  'kafka-down': 600,
  replace: 600,
  'streaming-dev': 900,
  'kafka-docker': 600,
  'heal-kafka': 600,
};
/**
 * Two scripts at a time: the figures of a smoke run mean nothing, and each script has its own home
 * (its own daemon, port slice and containers). The longest, the whole dev stack, starts first and
 * the rest go through the other lane beside it.
 */
const ORDER = Object.keys(FIGURES).sort(
  (a, b) => Number(b === 'streaming-dev') - Number(a === 'streaming-dev'),
);
const RUN = fileURLToPath(new URL('./run.js', import.meta.url));

function bench(name: string): Promise<{ code: number | null; out: string }> {
  const limit = LIMIT_S[name] ?? 180;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUN, name], {
      env: { ...process.env, ...SMALLEST[name], BENCH_TIMEOUT_S: String(limit) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, out }));
  });
}

describe('every bench script runs at its smallest size', { concurrency: 2 }, () => {
  it('has a smallest size for every script', () => {
    assert.deepEqual(Object.keys(SMALLEST).sort(), Object.keys(FIGURES).sort());
  });

  for (const name of ORDER) {
    it(name, async () => {
      const { code, out } = await bench(name);
      assert.equal(code, 0, out);
      assert.match(out, /\n## /, `bench ${name} printed no report:\n${out}`);
      assert.doesNotMatch(out, /NaN/, `bench ${name} printed a figure that is not a number:\n${out}`);
    });
  }
});
