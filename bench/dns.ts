import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildRecords } from '../src/discovery/records.js';
import { services } from './dns-serve.js';
import { median, ms, report } from './util.js';

/**
 * DNS throughput: `dnsperf` against the daemon's DNS server and against dnsmasq serving the very
 * same records (A and SRV), each on a loopback address and port of its own, alternating rounds in
 * the same run. Sizes: BENCH_DNS_TASKS (default "100,10000" tasks, three to a service).
 */
const SIZES = (process.env.BENCH_DNS_TASKS ?? '100,10000').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_DNS_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const LATENCY_QPS = Number(process.env.BENCH_DNS_QPS ?? 5000);
const SERVE = fileURLToPath(new URL('./dns-serve.js', import.meta.url));
// Addresses of their own, so nothing else on the machine answers or competes on the same socket.
const FLOTILLA_HOST = '127.0.77.1';
const DNSMASQ_HOST = '127.0.77.2';
// Debian puts it in /usr/sbin, which a user's PATH may lack.
const DNSMASQ = fs.existsSync('/usr/sbin/dnsmasq') ? '/usr/sbin/dnsmasq' : 'dnsmasq';

interface Run {
  qps: number;
  p99: number;
  /** dnsperf's own average, in ms. */
  average: number;
  lost: number;
}

function waitForLine(child: ChildProcess, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start: ${out}`)), 20_000);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve(out.slice(0, out.indexOf('\n')));
      }
    });
    child.once('exit', (code) => reject(new Error(`${what} exited ${code}: ${out}`)));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await gone;
}

/** dnsmasq with exactly the records the daemon serves: hosts lines for A, srv-host for SRV. */
function dnsmasqConfig(dir: string, tasks: number, port: number): string {
  const set = buildRecords({ domain: 'flotilla', services: services(tasks) });
  const hosts = [...set.a].flatMap(([name, addresses]) => addresses.map((a) => `${a} ${name}`));
  fs.writeFileSync(path.join(dir, 'hosts'), `${hosts.join('\n')}\n`);
  const srv = [...set.srv].flatMap(([name, records]) =>
    records.map((r) => `srv-host=${name},${r.target},${r.port},${r.priority},${r.weight}`),
  );
  const conf = [
    'no-resolv',
    'no-hosts',
    'no-poll',
    'bind-interfaces',
    `listen-address=${DNSMASQ_HOST}`,
    'except-interface=nonexistent',
    `port=${port}`,
    'local=/flotilla/',
    `addn-hosts=${path.join(dir, 'hosts')}`,
    'local-ttl=5',
    'pid-file=',
    'user=root',
    ...srv,
  ];
  const file = path.join(dir, 'dnsmasq.conf');
  fs.writeFileSync(file, `${conf.join('\n')}\n`);
  return file;
}

/** The queries: every task's A name, every service's A and SRV name, in a fixed shuffled order. */
function queryFile(dir: string, tasks: number): string {
  const set = buildRecords({ domain: 'flotilla', services: services(tasks) });
  const lines = [...[...set.a.keys()].map((n) => `${n} A`), ...[...set.srv.keys()].map((n) => `${n} SRV`)];
  let seed = 42;
  for (let i = lines.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const j = seed % (i + 1);
    [lines[i], lines[j]] = [lines[j]!, lines[i]!];
  }
  const file = path.join(dir, `queries-${tasks}`);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/**
 * One dnsperf run. Throughput: as fast as the server answers (100 queries outstanding). Latency: at a
 * fixed LATENCY_QPS with -v, which prints every answer with its latency (printing them all at full
 * speed would make dnsperf, not the server, the bottleneck).
 */
function dnsperf(host: string, port: number, queries: string, latency: boolean): Promise<Run> {
  return new Promise((resolve, reject) => {
    const args = ['-s', host, '-p', String(port), '-d', queries, '-l', String(SECONDS), '-c', '4'];
    if (latency) args.push('-v', '-Q', String(LATENCY_QPS));
    const child = spawn('dnsperf', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const latencies: number[] = [];
    let tail = '';
    let summary = '';
    let errors = '';
    child.stdout.on('data', (c: Buffer) => {
      const text = tail + c.toString();
      const lines = text.split('\n');
      tail = lines.pop()!;
      for (const line of lines) {
        // "> NOERROR name A 0.000123": the response code, the query and its latency in seconds.
        if (line.startsWith('> ')) latencies.push(Number(line.slice(line.lastIndexOf(' ') + 1)) * 1000);
        else summary += `${line}\n`;
      }
    });
    child.stderr.on('data', (c: Buffer) => (errors += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      summary += tail;
      const qps = /Queries per second:\s+([\d.]+)/.exec(summary);
      const lost = /Queries lost:\s+(\d+)/.exec(summary);
      const answers = /Response codes:\s+(.*)/.exec(summary)?.[1] ?? '';
      if (code !== 0 || !qps) return reject(new Error(`dnsperf exited ${code}: ${summary}${errors}`));
      if (!/^NOERROR \d+ \(100\.00%\)$/.test(answers.trim()))
        return reject(new Error(`not every answer was NOERROR: ${answers}`));
      latencies.sort((a, b) => a - b);
      resolve({
        qps: Number(qps[1]),
        p99: latencies[Math.floor(latencies.length * 0.99)] ?? NaN,
        average: Number(/Average Latency \(s\):\s+([\d.]+)/.exec(summary)?.[1] ?? NaN) * 1000,
        lost: Number(lost?.[1] ?? 0),
      });
    });
  });
}

async function size(tasks: number, dir: string): Promise<void> {
  const queries = queryFile(dir, tasks);
  const flotilla = spawn(process.execPath, [SERVE, FLOTILLA_HOST, String(tasks)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const port = 20000 + Math.floor(Math.random() * 20000);
  const dnsmasq = spawn(DNSMASQ, ['--keep-in-foreground', `--conf-file=${dnsmasqConfig(dir, tasks, port)}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let dnsmasqErr = '';
  dnsmasq.stderr.on('data', (c: Buffer) => (dnsmasqErr += c.toString()));
  try {
    const flotillaPort = Number(await waitForLine(flotilla, 'the DNS server'));
    const ours: Run[] = [];
    const theirs: Run[] = [];
    const oursLatency: Run[] = [];
    const theirsLatency: Run[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      if (dnsmasq.exitCode !== null) throw new Error(`dnsmasq exited ${dnsmasq.exitCode}: ${dnsmasqErr}`);
      theirs.push(await dnsperf(DNSMASQ_HOST, port, queries, false));
      ours.push(await dnsperf(FLOTILLA_HOST, flotillaPort, queries, false));
      theirsLatency.push(await dnsperf(DNSMASQ_HOST, port, queries, true));
      oursLatency.push(await dnsperf(FLOTILLA_HOST, flotillaPort, queries, true));
    }
    const records = buildRecords({ domain: 'flotilla', services: services(tasks) });
    const rrs =
      [...records.a.values()].reduce((n, l) => n + l.length, 0) +
      [...records.srv.values()].reduce((n, l) => n + l.length, 0);
    const q = (runs: Run[]) => median(runs.map((r) => r.qps));
    const p = (runs: Run[]) => median(runs.map((r) => r.p99));
    report(
      `DNS: dnsperf, ${tasks} tasks (${rrs} records, ${records.names.size} names), ${SECONDS} s × ${ROUNDS}`,
      [
        ['flotilla DNS server, queries/s (median)', q(ours).toFixed(0)],
        ['dnsmasq, queries/s (median)', q(theirs).toFixed(0)],
        ['ratio flotilla / dnsmasq (goal ≥ 0.5)', (q(ours) / q(theirs)).toFixed(2)],
        [`flotilla p99 latency at ${LATENCY_QPS} queries/s`, ms(p(oursLatency))],
        [`dnsmasq p99 latency at ${LATENCY_QPS} queries/s`, ms(p(theirsLatency))],
        ['flotilla average latency at full speed', ms(median(ours.map((r) => r.average)))],
        ['dnsmasq average latency at full speed', ms(median(theirs.map((r) => r.average)))],
        [
          'queries lost (flotilla / dnsmasq)',
          `${ours.reduce((n, r) => n + r.lost, 0)} / ${theirs.reduce((n, r) => n + r.lost, 0)}`,
        ],
      ],
    );
  } finally {
    flotilla.stdin!.end();
    await Promise.all([stop(flotilla), stop(dnsmasq)]);
  }
}

export async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-bench-dns-'));
  try {
    for (const tasks of SIZES) await size(tasks, dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
