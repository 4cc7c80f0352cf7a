import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { createClient } from 'redis';
import type { HealthCheckSpec } from '../../core/health.js';
import type { LaunchSpec } from '../../core/task.js';
import { runCheck } from '../../reconciler/health/index.js';
import { resolveBinaries } from '../binaries.js';
import type { PlacedTask } from '../package.js';
import { validateOptions } from '../registry.js';
import { redis } from './index.js';

// Characters that need quoting in redis.conf and encoding in a URL.
const PASSWORD = 'p@ss w"rd/#\\1';

const root = mkdtempSync(path.join(tmpdir(), 'flotilla-redis-'));
const children: ChildProcess[] = [];
/** Everything the servers printed: what would land in the tasks' log files. */
let logs = '';

after(async () => {
  await Promise.all(
    children.map((child) => {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return undefined;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const stuck = setTimeout(() => child.kill('SIGKILL'), 3000);
      return exited.finally(() => clearTimeout(stuck));
    }),
  );
  rmSync(root, { recursive: true, force: true });
});

async function freePort(host: string): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Places, renders and launches a service the way the driver would: files first, then argv. */
async function deploy(service: string, given: Record<string, unknown>, hosts: string[]) {
  const options = validateOptions(redis, given);
  const tasks: PlacedTask[] = [];
  for (const [i, slot] of redis.layout(options).entries()) {
    const host = hosts[i] ?? '127.0.0.1';
    const sandbox = path.join(root, service, slot.name);
    mkdirSync(path.join(sandbox, 'data'), { recursive: true });
    tasks.push({ ...slot, host, bindHost: host, publicHost: host, ports: [await freePort(host)], sandbox });
  }
  const ctx = {
    service,
    tenant: 'default',
    options,
    tasks,
    binaries: resolveBinaries(redis.binaries),
    state: {},
    artifactsDir: path.join(root, 'artifacts'),
  };
  const specs = redis.render(ctx);
  for (const task of tasks) {
    const spec = specs[task.name] as LaunchSpec;
    for (const f of spec.files) {
      const file = path.join(task.sandbox, f.path);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, f.content, { mode: f.mode ?? 0o644 });
    }
    const [cmd, ...args] = spec.args as string[];
    const child = spawn(cmd as string, args, {
      cwd: task.sandbox,
      env: spec.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => (logs += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (logs += d.toString()));
    child.on('error', (err) => assert.fail(`cannot start ${cmd}: ${err.message}`));
    children.push(child);
  }
  return { options, tasks, specs, endpoint: redis.endpoints(ctx)[0] };
}

function target(task: PlacedTask) {
  return { host: task.host, ports: task.ports, exec: () => Promise.reject(new Error('no exec')) };
}

async function eventually<T>(what: string, seconds: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  let last: unknown;
  for (;;) {
    last = await probe().catch((err: unknown) => err);
    if (last !== undefined && !(last instanceof Error)) return last as T;
    if (Date.now() > deadline)
      throw new Error(`${what} did not happen within ${seconds}s (last: ${String(last)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function healthy(check: HealthCheckSpec, task: PlacedTask): Promise<string> {
  return eventually(`${task.name} healthy`, 10, async () => {
    const r = await runCheck(check, target(task));
    return r.ok ? r.message : undefined;
  });
}

describe('redis package on the real redis-server', () => {
  it('runs a password-protected primary and replica that serve the endpoint url', async () => {
    const { tasks, specs, endpoint } = await deploy('cache', { password: PASSWORD, replicas: 1 }, []);
    const [primary, replica] = tasks as [PlacedTask, PlacedTask];
    const primarySpec = specs['redis-0'] as LaunchSpec;
    const replicaSpec = specs['redis-1'] as LaunchSpec;

    // The secret stays in the 0600 config file only.
    for (const spec of [primarySpec, replicaSpec]) {
      assert.ok(!JSON.stringify(spec.args).includes('p@ss'));
      assert.deepEqual(spec.env, {});
    }
    assert.equal(statSync(path.join(primary.sandbox, 'config/redis.conf')).mode & 0o777, 0o600);

    const primaryCheck = primarySpec.healthChecks[0] as HealthCheckSpec;
    const replicaCheck = replicaSpec.healthChecks[0] as HealthCheckSpec;
    assert.equal(await healthy(primaryCheck, primary), 'PONG');
    assert.equal(await healthy(replicaCheck, replica), 'PONG, replication link up');

    assert.ok(endpoint);
    assert.equal(
      endpoint.values.url,
      `redis://default:${encodeURIComponent(PASSWORD)}@127.0.0.1:${primary.ports[0]}`,
    );
    assert.equal(endpoint.values.replicas, `127.0.0.1:${replica.ports[0]}`);
    assert.deepEqual(endpoint.addresses, [`127.0.0.1:${primary.ports[0]}`, `127.0.0.1:${replica.ports[0]}`]);

    const writer = createClient({ url: endpoint.values.url });
    const reader = createClient({
      socket: { host: replica.host, port: replica.ports[0] },
      password: PASSWORD,
    });
    try {
      await writer.connect();
      await reader.connect();
      await writer.set('greeting', 'hello from the primary');
      const read = await eventually(
        'replicated read',
        5,
        async () => (await reader.get('greeting')) ?? undefined,
      );
      assert.equal(read, 'hello from the primary');
    } finally {
      writer.destroy();
      reader.destroy();
    }

    const wrong = await runCheck(
      { ...primaryCheck, redis: { password: 'not-the-password', replica: false } },
      target(primary),
    );
    assert.equal(wrong.ok, false);
    assert.match(wrong.message, /AUTH failed: WRONGPASS/);
    assert.ok(!wrong.message.includes('not-the-password'));
    const anonymous = await runCheck({ ...primaryCheck, redis: { replica: false } }, target(primary));
    assert.equal(anonymous.ok, false);
    assert.match(anonymous.message, /NOAUTH/);

    assert.match(logs, /MASTER <-> REPLICA sync: Finished with success/);
    assert.ok(!logs.includes(PASSWORD));

    // appendonly yes: Redis 7 keeps the AOF as files in data/appendonlydir.
    const aofDir = path.join(primary.sandbox, 'data', 'appendonlydir');
    assert.ok(existsSync(aofDir));
    assert.ok(readdirSync(aofDir).some((f) => f.includes('.aof')));
  });

  it('without a password, replicates across virtual-node loopback addresses', async () => {
    const { tasks, specs } = await deploy('plain', { persistence: 'none', replicas: 1 }, [
      '127.0.0.1',
      '127.0.0.2',
    ]);
    const [primary, replica] = tasks as [PlacedTask, PlacedTask];
    assert.equal(
      await healthy((specs['redis-0'] as LaunchSpec).healthChecks[0] as HealthCheckSpec, primary),
      'PONG',
    );
    const check = (specs['redis-1'] as LaunchSpec).healthChecks[0] as HealthCheckSpec;
    assert.equal(await healthy(check, replica), 'PONG, replication link up');
    assert.ok(!existsSync(path.join(primary.sandbox, 'data', 'appendonlydir')));
  });
});
