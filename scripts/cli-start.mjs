// The CLI's own start, side by side: `node scripts/cli-start.mjs [runs] [label=tree ...]` times `node -e 0`
// and a few cheap command lines of each tree's bin/flotilla (a built checkout: `old=/tmp/old new=.`),
// interleaved so that the machine's load falls on all alike. `ps` and `up --dry-run` go to one daemon
// (the first tree's) in a home of its own, stopped and removed at the end.
import { spawnSync } from 'node:child_process';
import console from 'node:console';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';

const runs = Number(process.argv[2] ?? 30);
const trees = (process.argv.length > 3 ? process.argv.slice(3) : ['this=.']).map((a) => {
  const [label, dir] = a.split('=');
  return { label, cli: path.resolve(dir, 'bin/flotilla') };
});
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-cli-start-'));
const env = {
  ...process.env,
  FLOTILLA_HOME: home,
  FLOTILLA_LISTEN: '127.0.0.1:0',
  FLOTILLA_DNS_LISTEN: '127.0.0.1:0',
};
const stack = path.join(home, 'cache.yml');
fs.writeFileSync(stack, 'name: cache\nservices:\n  cache:\n    package: redis\n');
const LINES = [['--version'], ['ps', '--help'], ['ps'], ['up', '--help'], ['up', '-f', stack, '--dry-run']];

const cases = [{ name: 'node -e 0', file: process.execPath, args: ['-e', '0'] }];
for (const { label, cli } of trees)
  for (const args of LINES)
    cases.push({ name: `${label}: flotilla ${args.join(' ').replace(stack, 'cache.yml')}`, file: cli, args });

const run = (file, args) => {
  const r = spawnSync(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
};
const times = new Map(cases.map((c) => [c.name, []]));
run(trees[0].cli, ['daemon', 'start']);
try {
  for (let i = 0; i < runs; i++)
    for (const c of cases) {
      const started = process.hrtime.bigint();
      run(c.file, c.args);
      times.get(c.name).push(Number(process.hrtime.bigint() - started) / 1e6);
    }
} finally {
  run(trees[0].cli, ['daemon', 'stop']);
  fs.rmSync(home, { recursive: true, force: true });
}
const at = (a, q) => [...a].sort((x, y) => x - y)[Math.floor((a.length - 1) * q)].toFixed(1);
console.log(
  `${runs} runs each, ${os.cpus().length} cores, load ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
for (const [name, a] of times)
  console.log(`${name.padEnd(48)} median ${at(a, 0.5)} ms  p90 ${at(a, 0.9)} ms`);
