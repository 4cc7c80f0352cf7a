/** `npm run bench`: every figure, one script each; `npm run bench -- redis-up` runs one. */
const FIGURES: Record<string, () => Promise<{ main: () => Promise<void> }>> = {
  'redis-up': () => import('./redis-up.js'),
  'ps-200-apps': () => import('./ps-200-apps.js'),
  'kafka-up': () => import('./kafka-up.js'),
  scheduler: () => import('./scheduler.js'),
  'streaming-dev': () => import('./streaming-dev.js'),
  'docker-start': () => import('./docker-start.js'),
  'kafka-docker': () => import('./kafka-docker.js'),
  isolation: () => import('./isolation.js'),
};

const wanted = process.argv.slice(2);
for (const [name, load] of Object.entries(FIGURES)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  await (await load()).main();
}
