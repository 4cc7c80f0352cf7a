/** `npm run bench`: every figure, one script each; `npm run bench -- redis-up` runs one. */
const FIGURES: Record<string, () => Promise<{ main: () => Promise<void> }>> = {
  'redis-up': () => import('./redis-up.js'),
  'ps-200-apps': () => import('./ps-200-apps.js'),
  'kafka-up': () => import('./kafka-up.js'),
  'kafka-down': () => import('./kafka-down.js'),
  replace: () => import('./replace.js'),
  scheduler: () => import('./scheduler.js'),
  'streaming-dev': () => import('./streaming-dev.js'),
  'docker-start': () => import('./docker-start.js'),
  'kafka-docker': () => import('./kafka-docker.js'),
  isolation: () => import('./isolation.js'),
};

/** No figure may hang the run: each one gets this long (BENCH_TIMEOUT_S), then the run fails loudly. */
const LIMIT_MS = Number(process.env.BENCH_TIMEOUT_S ?? 1800) * 1000;

const wanted = process.argv.slice(2);
for (const [name, load] of Object.entries(FIGURES)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`bench ${name} did not finish in ${LIMIT_MS / 1000} s`)),
      LIMIT_MS,
    );
  });
  try {
    await Promise.race([(await load()).main(), limit]);
  } catch (err) {
    console.error(`FAILED: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  } finally {
    clearTimeout(timer);
  }
}
