/**
 * `npm run bench`: every figure, one script each; `npm run bench -- redis-up` runs one, and
 * `--write` puts the run's figures into docs/benchmarks.md (bench/results.ts).
 */
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { FIGURES } from './figures.js';
import { beginFigure, recorded, runInfo, writeResults } from './results.js';
import { TestHome } from './util.js';

/** No figure may hang the run: each one gets this long (BENCH_TIMEOUT_S), then the run fails loudly. */
const LIMIT_MS = Number(process.env.BENCH_TIMEOUT_S ?? 1800) * 1000;
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DOC = fileURLToPath(new URL('../../docs/benchmarks.md', import.meta.url));

const args = process.argv.slice(2);
const write = args.includes('--write');
const wanted = args.filter((a) => a !== '--write');
const unknown = wanted.filter((name) => !(name in FIGURES));
if (unknown.length > 0) {
  console.error(`FAILED: no bench ${unknown.join(', ')}; there are ${Object.keys(FIGURES).join(', ')}`);
  process.exit(1);
}
const sizes = Object.entries(process.env)
  .filter(([k]) => k.startsWith('BENCH_'))
  .map(([k, v]) => `${k}=${v} `)
  .join('');
const info = runInfo(`${sizes}npm run bench -- ${args.join(' ')}`.trim(), ROOT);

async function save(): Promise<void> {
  if (!write) return;
  info.loadAfter = os.loadavg();
  await writeResults(DOC, info, recorded());
}

for (const [name, load] of Object.entries(FIGURES)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  beginFigure(name);
  const start = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`bench ${name} did not finish in ${LIMIT_MS / 1000} s`)),
      LIMIT_MS,
    );
  });
  try {
    await Promise.race([(await load()).main(), limit]);
    info.took.push([name, (performance.now() - start) / 1000]);
    await save();
  } catch (err) {
    info.failed = `${name}: ${err instanceof Error ? err.message : String(err)}`;
    await save();
    console.error(`FAILED: ${info.failed}`);
    // A figure past its limit is still running: its daemons and tasks go before the run does.
    for (const r of await Promise.allSettled([...TestHome.open].map((h) => h.cleanup())))
      if (r.status === 'rejected') console.error(`cleaning up after ${name}: ${String(r.reason)}`);
    process.exit(1);
  } finally {
    clearTimeout(timer);
  }
}
