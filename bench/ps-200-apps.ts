import fs from 'node:fs';
import path from 'node:path';
import { TestHome, median, ms, report, run, timed } from './util.js';

/** `flotilla ps` latency with 200 apps running, next to the same command with one app and to a bare `node`. */
const APPS = Number(process.env.BENCH_APPS ?? 200);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 10);

function stack(n: number): string {
  let s = 'name: many\napps:\n';
  for (let i = 0; i < n; i++) s += `  app-${i}:\n    args: [sleep, "3600"]\n    cpus: 0.01\n    mem: 4\n`;
  return s;
}

async function sample(home: TestHome, n: number): Promise<{ cli: number; api: number }> {
  const file = path.join(home.home, `many-${n}.yml`);
  fs.writeFileSync(file, stack(n));
  await home.ok(['up', '-f', file, '--wait', '--timeout', '300'], 600_000);
  const cli: number[] = [];
  const api: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    cli.push((await timed(() => home.ok(['ps'])))[0]);
    api.push((await timed(() => home.client().listTasks()))[0]);
  }
  await home.ok(['down', 'many', '--purge'], 300_000);
  return { cli: median(cli), api: median(api) };
}

export async function main(): Promise<void> {
  const home = new TestHome();
  try {
    await home.ok(['daemon', 'start']);
    const one = await sample(home, 1);
    const many = await sample(home, APPS);
    const node: number[] = [];
    for (let i = 0; i < SAMPLES; i++) node.push((await timed(() => run(process.execPath, ['-e', '0'])))[0]);
    report(`flotilla ps with ${APPS} running apps`, [
      [`flotilla ps, ${APPS} apps (median of ${SAMPLES})`, ms(many.cli)],
      ['flotilla ps, 1 app', ms(one.cli)],
      ['node -e 0 (process start floor)', ms(median(node))],
      [`GET /v1/tasks, ${APPS} apps`, ms(many.api)],
      ['GET /v1/tasks, 1 app', ms(one.api)],
      [`ratio ps ${APPS} apps / 1 app`, (many.cli / one.cli).toFixed(2)],
    ]);
  } finally {
    await home.cleanup();
  }
}
