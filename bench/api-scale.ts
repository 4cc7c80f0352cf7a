import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { TASK_ROW_FIELDS } from '../src/cli/format.js';
import { bigHome, rssMb } from './adoption.js';
import { adminToken } from '../test/helpers/flotilla.js';
import { TestHome, median, ms, report, run, timed } from './util.js';

/**
 * The API at scale: `GET /v1/tasks` (p99) and `flotilla ps` (median) with BENCH_TASKS tasks (default
 * 10,000), next to the same calls with one task and to a bare `node -e 0`, and the daemon's RSS.
 *
 * 10,000 processes are more than this shared 2-core machine can launch in a bench run (the process
 * driver starts a few per second here, and the kernel's pid space is shared with every other
 * session), so the tasks go through the real path — a stack applied with `flotilla up`, planned,
 * scheduled and committed by the daemon — but wait on a dependency that never becomes ready (an app
 * whose check never passes within its grace period): they are stored tasks that no process backs
 * (state `staging`), which is all `GET /v1/tasks` and `ps` read. The RSS with 1,000 running
 * processes is in the adoption bench.
 */
const TASKS = Number(process.env.BENCH_TASKS ?? 10_000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);
const CLI_SAMPLES = Number(process.env.BENCH_CLI_SAMPLES ?? 10);

function stack(tasks: number): string {
  let s = 'name: scale\napps:\n';
  s += '  gate:\n    args: [sleep, "3600"]\n    cpus: 0.01\n    mem: 4\n';
  s += '    healthChecks:\n      - protocol: COMMAND\n        command: { value: "false" }\n';
  s += '        gracePeriodSeconds: 86400\n        intervalSeconds: 60\n';
  for (let i = 0; tasks > 0; i++, tasks -= 1000) {
    s += `  waiting-${i}:\n    args: [sleep, "3600"]\n    instances: ${Math.min(tasks, 1000)}\n`;
    s += '    cpus: 0.001\n    mem: 1\n    dependencies: [gate]\n';
  }
  return s;
}

function p99(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.99))]!;
}

interface Samples {
  /** The whole list, every field (what existing clients ask). */
  api: number[];
  /** The whole list, every field, to its last byte: the daemon's answer without the client's parse. */
  bytes: number[];
  /** Only what `ps` prints, every task. */
  fields: number[];
  /** One page of 100 tasks. */
  page: number[];
  cli: number[];
}

/** `tasks`: how many the home has, so the pages asked for are all within it. */
async function sample(home: TestHome, samples: number, tasks: number): Promise<Samples> {
  const client = home.client();
  const s: Samples = { api: [], bytes: [], fields: [], page: [], cli: [] };
  const url = new URL('/v1/tasks', home.daemonInfo()!.address);
  const token = adminToken(home.home);
  for (let i = 0; i < samples; i++) {
    s.api.push((await timed(() => client.listTasks()))[0]);
    s.bytes.push((await timed(() => lastByte(url, token)))[0]);
    s.fields.push((await timed(() => client.listTaskFields([...TASK_ROW_FIELDS, 'desired'])))[0]);
    s.page.push((await timed(() => client.listTasks({ offset: (i * 100) % tasks, limit: 100 })))[0]);
  }
  for (let i = 0; i < CLI_SAMPLES; i++) s.cli.push((await timed(() => home.ok(['ps'])))[0]);
  return s;
}

/** A GET read to its last byte and dropped: how long the daemon takes to answer it in full. */
function lastByte(url: URL, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { authorization: `Bearer ${token}` } }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => (res.statusCode === 200 ? resolve(bytes) : reject(new Error(`${res.statusCode}`))));
    });
    req.on('error', reject);
  });
}

export async function main(): Promise<void> {
  const home = bigHome();
  const one = new TestHome();
  try {
    fs.writeFileSync(path.join(one.home, 'one.yml'), 'name: one\napps:\n  a:\n    args: [sleep, "3600"]\n');
    await one.ok(['up', '-f', path.join(one.home, 'one.yml'), '--wait']);
    const small = await sample(one, SAMPLES, 1);

    const file = path.join(home.home, 'scale.yml');
    fs.writeFileSync(file, stack(TASKS));
    const [apply] = await timed(() => home.ok(['up', '-f', file], 600_000));
    const tasks = await home.client().listTasks();
    const waiting = tasks.filter((t) => t.owner.startsWith('waiting-'));
    if (waiting.length !== TASKS || waiting.some((t) => t.pid !== null))
      throw new Error(`expected ${TASKS} stored tasks without a process, got ${waiting.length}`);
    const big = await sample(home, SAMPLES, TASKS + 1);
    const rss = rssMb(home.daemonInfo()!.pid);
    const floor: number[] = [];
    for (let i = 0; i < CLI_SAMPLES; i++)
      floor.push((await timed(() => run(process.execPath, ['-e', '0'])))[0]);

    report(`The API at scale: ${TASKS} tasks`, [
      [`flotilla up of ${TASKS + 1} tasks (setup, no wait)`, ms(apply)],
      [`GET /v1/tasks, ${TASKS + 1} tasks: p99 of ${SAMPLES}`, ms(p99(big.api))],
      [`GET /v1/tasks, ${TASKS + 1} tasks: median`, ms(median(big.api))],
      [`GET /v1/tasks, ${TASKS + 1} tasks, to the last byte (no parse): p99`, ms(p99(big.bytes))],
      [`GET /v1/tasks, ${TASKS + 1} tasks, to the last byte: median`, ms(median(big.bytes))],
      ['GET /v1/tasks, 1 task: p99', ms(p99(small.api))],
      [`GET /v1/tasks?fields=<ps columns>, ${TASKS + 1} tasks: p99`, ms(p99(big.fields))],
      [`GET /v1/tasks?fields=<ps columns>, ${TASKS + 1} tasks: median`, ms(median(big.fields))],
      [`GET /v1/tasks?limit=100 (a page), ${TASKS + 1} tasks: p99`, ms(p99(big.page))],
      ['GET /v1/tasks?limit=100, 1 task: p99', ms(p99(small.page))],
      ['goal GET /v1/tasks p99', '≤ 50 ms'],
      [`flotilla ps, ${TASKS + 1} tasks: median of ${CLI_SAMPLES}`, ms(median(big.cli))],
      ['flotilla ps, 1 task: median', ms(median(small.cli))],
      ['node -e 0 (process start floor)', ms(median(floor))],
      ['goal flotilla ps', '≤ 300 ms'],
      [`daemon RSS with ${TASKS + 1} stored tasks`, `${rss.toFixed(1)} MB`],
      [`ratio ps ${TASKS + 1} tasks / 1 task`, (median(big.cli) / median(small.cli)).toFixed(2)],
    ]);
  } finally {
    await Promise.all([home.cleanup(), one.cleanup()]);
  }
}
