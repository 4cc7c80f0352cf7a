/** `npm run bench`: every figure, one script each; `npm run bench -- redis-up` runs one. */
export const FIGURES: Record<string, () => Promise<{ main: () => Promise<void> }>> = {
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
  heal: () => import('./heal.js'),
  adoption: () => import('./adoption.js'),
  dns: () => import('./dns.js'),
  'api-scale': () => import('./api-scale.js'),
  'image-pull': () => import('./image-pull.js'),
  console: () => import('./console.js'),
};
