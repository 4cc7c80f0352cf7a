import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TaskUser } from '../src/core/identity.js';
import { ProcessDriver } from '../src/drivers/process/driver.js';
import { asUser } from '../src/drivers/process/identity.js';
import { chainOf, Firewall, type PortClaim } from '../src/isolation/firewall.js';
import { Identities } from '../src/isolation/identity.js';
import { forgetHome } from '../src/isolation/forget.js';
import { median, ms, report, timed } from './util.js';

/**
 * What tenant isolation costs, side by side in one run: the launch of a task as its tenant's user
 * (setpriv, a sandbox of its own) next to the same launch as the daemon's user (goal: ≤ +20 ms), and
 * a connection through the home's owner-match rules next to one with no rules at all (goal: within
 * noise). Needs root; says so and skips otherwise.
 */
const LAUNCHES = Number(process.env.BENCH_LAUNCHES ?? 30);
const CONNECTS = Number(process.env.BENCH_CONNECTS ?? 500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);
/** Rules for other tenants' ports ahead of the one connected to, as a busy machine would have. */
const OTHER_RULES = Number(process.env.BENCH_RULES ?? 500);

export async function main(): Promise<void> {
  if (process.getuid?.() !== 0 || !Firewall.available()) {
    console.log('\n## tenant isolation\n  SKIPPED: needs a root daemon with iptables');
    return;
  }
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-bench-iso-'));
  try {
    const user = (await new Identities('users', home).ensure('bench'))!;
    const launch = await launches(home, user);
    const connect = await connects(user);
    report('tenant isolation', [
      [`task launch as the daemon's user (median of ${LAUNCHES})`, ms(launch.plain)],
      [`task launch as the tenant's user`, ms(launch.isolated)],
      ['isolation adds per launch (goal ≤ 20 ms)', ms(launch.isolated - launch.plain)],
      [`connect on loopback, no rules (${ROUNDS} rounds of ${CONNECTS})`, `${connect.plain.toFixed(1)} µs`],
      [`connect with the rules of ${OTHER_RULES + 1} ports in force`, `${connect.ruled.toFixed(1)} µs`],
      ['ratio (goal: within noise, ~1.0)', (connect.ruled / connect.plain).toFixed(2)],
    ]);
  } finally {
    await forgetHome(home);
    fs.rmSync(home, { recursive: true, force: true });
  }
}

/** Start-to-running of `sleep`, through the process driver, with and without a tenant's user. */
async function launches(home: string, user: TaskUser): Promise<{ plain: number; isolated: number }> {
  const driver = new ProcessDriver({ cgroups: 'off', daemonHome: home });
  const one = async (as?: TaskUser) => {
    const key = `bench/t-${randomUUID().slice(0, 8)}`;
    const [elapsed] = await timed(() =>
      driver.startTask({
        taskKey: key,
        launchId: randomUUID(),
        sandbox: path.join(home, 'sandboxes', key.replace('/', '-')),
        args: ['sleep', '30'],
        env: {},
        cpus: 0.1,
        mem: 16,
        ...(as ? { user: as } : {}),
      }),
    );
    await driver.destroyTask(key);
    return elapsed;
  };
  const plain: number[] = [];
  const isolated: number[] = [];
  // Interleaved, so that whatever else the machine does weighs on both alike.
  for (let i = 0; i < LAUNCHES; i++) {
    plain.push(await one());
    isolated.push(await one(user));
  }
  return { plain: median(plain), isolated: median(isolated) };
}

/**
 * Median microseconds per TCP connect, from a process running as the tenant's user, in alternating
 * rounds with the rules in force and without them (the machine's state drifts; both sides share it).
 */
async function connects(user: TaskUser): Promise<{ plain: number; ruled: number }> {
  const server = net.createServer((s) => s.destroy());
  await new Promise<void>((r) => server.listen({ host: '127.0.99.7', port: 0 }, r));
  const port = (server.address() as net.AddressInfo).port;
  const firewall = new Firewall(chainOf(`b${randomUUID().slice(0, 4)}`), [200_000, 299_999]);
  // The target is the tenant's own port; the other rules guard other tenants' ports first.
  const claims: PortClaim[] = Array.from({ length: OTHER_RULES }, (_, i) => ({
    tenant: 'other',
    host: '127.0.99.8',
    port: 10_000 + i,
    protocol: 'tcp' as const,
  }));
  claims.push({ tenant: 'bench', host: '127.0.99.7', port, protocol: 'tcp' });
  const plain: number[] = [];
  const ruled: number[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      firewall.remove();
      plain.push(await connectMicros(user, port));
      firewall.sync(claims, (t) => (t === 'bench' ? user.uid : user.uid + 1));
      ruled.push(await connectMicros(user, port));
    }
    return { plain: median(plain), ruled: median(ruled) };
  } finally {
    firewall.remove();
    server.close();
  }
}

function connectMicros(user: TaskUser, port: number): Promise<number> {
  const code = [
    'import socket, time, statistics',
    'xs = []',
    `for _ in range(${CONNECTS}):`,
    '    t = time.perf_counter_ns()',
    `    s = socket.create_connection(("127.0.99.7", ${port}))`,
    '    xs.append((time.perf_counter_ns() - t) / 1000)',
    '    s.close()',
    'print(statistics.median(xs))',
  ].join('\n');
  const argv = asUser(user, ['/usr/bin/python3', '-c', code]);
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('exit', (c) => (c === 0 ? resolve(Number(out.trim())) : reject(new Error(`probe exited ${c}`))));
  });
}
