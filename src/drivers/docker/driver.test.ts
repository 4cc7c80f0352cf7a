import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { isFlotillaError } from '../../core/errors.js';
import type { ErrorCode } from '../../core/errors.js';
import type { TaskHandle } from '../../core/task.js';
import { driverContract } from '../contract.js';
import type { ContainerConfig, TaskConfig } from '../driver.js';
import { DockerDriver } from './driver.js';
import type { DockerDriverOptions } from './driver.js';
import { describeAddress, Engine, EngineError } from './engine.js';
import { labelFilter } from './resources.js';
import type { ContainerInfo } from './state.js';
import { containerName, LABEL } from './state.js';

const IMAGE = 'flotilla/base:bookworm';
/** Names this run's containers, networks and volumes apart from any real daemon's and other runs'. */
const RUN = `t${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`;
const CONTRACT_ID = `${RUN}c`;
const OWN_ID = `${RUN}d`;

const engine = new Engine();
const unavailable = await whyNoEngine(engine);
if (unavailable) console.warn(`SKIPPING the Docker driver tests: ${unavailable}`);
after(async () => {
  if (!unavailable) for (const id of [CONTRACT_ID, OWN_ID]) await removeLabelled(engine, id);
  engine.close();
});

if (unavailable) describe('driver contract: docker', { skip: unavailable }, () => {});
else
  driverContract(
    'docker',
    () => new DockerDriver({ engine, daemonId: CONTRACT_ID, defaultImage: IMAGE }),
    undefined,
    2000,
  );

describe('docker driver without an engine', () => {
  it('says DOCKER_UNAVAILABLE when no engine answers', async () => {
    const lost = new Engine({ socketPath: '/nonexistent/flotilla-test/docker.sock' });
    const driver = new DockerDriver({ engine: lost, daemonId: 'x', defaultImage: IMAGE });
    const sandbox = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-dock-'));
    try {
      const config: TaskConfig = {
        taskKey: 'a/b',
        launchId: 'l',
        sandbox,
        env: {},
        cpus: 0,
        mem: 0,
        cmd: 'true',
      };
      await rejectsWith(driver.startTask(config), 'DOCKER_UNAVAILABLE');
    } finally {
      lost.close();
      fs.rmSync(sandbox, { recursive: true, force: true });
    }
  });

  it('refuses a daemon id the engine could not name things after', () => {
    assert.throws(
      () => new DockerDriver({ daemonId: 'no/slash', defaultImage: IMAGE }),
      (err) => isFlotillaError(err) && err.code === 'VALIDATION_FAILED',
    );
  });
});

describe('docker driver', { skip: unavailable ?? false }, () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-dock-'));
  const drivers: DockerDriver[] = [];
  const keys = new Set<string>();
  const opts = { timeout: 30_000 };
  let counter = 0;

  function driver(options: Partial<DockerDriverOptions> = {}): DockerDriver {
    const d = new DockerDriver({ engine, daemonId: OWN_ID, defaultImage: IMAGE, ...options });
    drivers.push(d);
    return d;
  }

  function container(fields: Partial<ContainerConfig> = {}): ContainerConfig {
    return {
      image: IMAGE,
      aliases: [],
      publish: [],
      mounts: [],
      hostIp: '127.0.0.1',
      network: { name: `flt-${OWN_ID}-net`, labels: { 'io.flotilla.stack': 'test' } },
      labels: { 'io.flotilla.tenant': 'acme' },
      dataVolume: '',
      volumePrefix: `flt-${OWN_ID}-`,
      ...fields,
    };
  }

  function config(fields: Partial<TaskConfig>): TaskConfig {
    const taskKey = fields.taskKey ?? `dock/t-${counter++}`;
    keys.add(taskKey);
    return {
      taskKey,
      launchId: randomUUID(),
      sandbox: path.join(root, taskKey.replace('/', '-')),
      env: {},
      cpus: 0.1,
      mem: 64,
      ...fields,
    };
  }

  afterEach(async () => {
    // As a daemon tearing a stack down with --purge would.
    const cleaner = new DockerDriver({ engine, daemonId: OWN_ID, defaultImage: IMAGE });
    for (const d of drivers.splice(0)) {
      for (const key of keys) await d.destroyTask(key);
      d.close();
    }
    for (const key of keys) await cleaner.purgeTask(key);
    keys.clear();
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('creates the container as configured: labels, init, limits, user, env', opts, async () => {
    const d = driver();
    const cfg = config({
      cmd: 'sleep 30',
      env: { MY_VAR: 'v' },
      dataDir: path.join(root, 'tenant-data'),
      container: container({ labels: { 'io.flotilla.tenant': 'acme' } }),
    });
    const handle = await d.startTask(cfg);
    const info = await inspect(handle.containerId ?? '');
    assert.equal(info.Name, `/${containerName(OWN_ID, cfg.taskKey)}`);
    assert.deepEqual(
      Object.fromEntries(Object.entries(info.Config.Labels).filter(([k]) => k.startsWith('io.flotilla.'))),
      {
        [LABEL.daemon]: OWN_ID,
        [LABEL.task]: cfg.taskKey,
        [LABEL.launchId]: cfg.launchId,
        [LABEL.sandbox]: cfg.sandbox,
        'io.flotilla.tenant': 'acme',
      },
    );
    assert.equal(info.HostConfig.Init, true);
    assert.equal(info.HostConfig.RestartPolicy.Name, 'no');
    assert.equal(info.HostConfig.Memory, 64 * 1024 * 1024);
    assert.equal(info.HostConfig.MemorySwap, 64 * 1024 * 1024);
    assert.equal(info.HostConfig.CpuShares, 102);
    assert.equal(info.Config.User, `${process.getuid?.()}:${process.getgid?.()}`);
    assert.equal(info.Config.WorkingDir, cfg.sandbox);
    assert.ok(info.Config.Env.includes(`FLOTILLA_DATA=${cfg.dataDir}`));
    assert.ok(info.Config.Env.includes('MY_VAR=v'));
    // The image's PATH (or the engine's default when the image sets none), never the daemon's.
    const imagePath = await imagePathEntry();
    assert.deepEqual(
      info.Config.Env.filter((e) => e.startsWith('PATH=')),
      imagePath ? [imagePath] : [],
    );
    assert.deepEqual(handle, {
      driver: 'docker',
      launchId: cfg.launchId,
      pid: info.State.Pid,
      startTime: info.State.StartedAt,
      bootId: '',
      startedAt: Date.parse(info.State.StartedAt),
      sandbox: cfg.sandbox,
      containerId: info.Id,
    });
    assert.ok(handle.pid > 0);
    const mounts = info.Mounts.map((m) => `${m.Type}:${m.Source}:${m.Destination}`).sort();
    assert.deepEqual(
      mounts,
      [`bind:${cfg.dataDir}:${cfg.dataDir}`, `bind:${cfg.sandbox}:${cfg.sandbox}`].sort(),
    );

    const strict = driver({ cpuLimit: 'strict' });
    const other = await strict.startTask(config({ cmd: 'sleep 30', cpus: 0.5 }));
    assert.equal((await inspect(other.containerId ?? '')).HostConfig.NanoCpus, 500_000_000);
  });

  it('runs args under the given entrypoint, or the image command', opts, async () => {
    const d = driver();
    const a = config({ args: ['a', 'b'], container: container({ entrypoint: ['/bin/echo', 'ep'] }) });
    await d.startTask(a);
    assert.equal((await d.waitTask(a.taskKey)).exitCode, 0);
    assert.equal(readLog(a, 'stdout'), 'ep a b\n');
    const b = config({
      args: [],
      container: container({ imageCommand: true, entrypoint: ['/bin/sh', '-c', 'echo own-command'] }),
    });
    await d.startTask(b);
    await d.waitTask(b.taskKey);
    assert.equal(readLog(b, 'stdout'), 'own-command\n');
    await rejectsWith(d.startTask(config({ args: [] })), 'VALIDATION_FAILED');
  });

  it('writes long lines whole and an unterminated last line', opts, async () => {
    const d = driver();
    // The engine splits lines over 16 KiB into parts, and may end a follow before a last line
    // that has no newline: the driver reads the rest after the exit.
    const cfg = config({ cmd: "head -c 40000 /dev/zero | tr '\\0' x; echo; printf 'tail é'" });
    await d.startTask(cfg);
    await d.waitTask(cfg.taskKey);
    assert.equal(readLog(cfg, 'stdout'), `${'x'.repeat(40000)}\ntail é`);
  });

  it('publishes ports on the task address, reachable from the host', opts, async () => {
    const d = driver();
    const hostIp = '127.0.10.1';
    const port = await freePort(hostIp);
    const server =
      "perl -MIO::Socket::INET -e '$s = IO::Socket::INET->new(LocalPort => 8080, Listen => 5, ReuseAddr => 1) or die; " +
      'while ($c = $s->accept) { print $c "hello from $ENV{HOSTNAME}\\n"; close $c }\'';
    const cfg = config({
      cmd: server,
      container: container({
        hostIp,
        aliases: ['web'],
        publish: [
          { containerPort: 8080, hostPort: port, protocol: 'tcp' },
          {
            containerPort: 9090,
            hostPort: await freePort('127.0.0.1'),
            protocol: 'udp',
            hostIp: '127.0.0.1',
          },
        ],
      }),
    });
    const handle = await d.startTask(cfg);
    const info = await inspect(handle.containerId ?? '');
    assert.deepEqual(info.HostConfig.PortBindings['8080/tcp'], [{ HostIp: hostIp, HostPort: String(port) }]);
    assert.equal(info.HostConfig.PortBindings['9090/udp']?.[0]?.HostIp, '127.0.0.1');
    assert.ok('8080/tcp' in info.Config.ExposedPorts);
    assert.equal(await readLine(hostIp, port, 10_000), 'hello from web');
  });

  it('joins the stack network: tasks reach each other by alias', opts, async () => {
    const d = driver();
    const a = config({ cmd: 'sleep 30', container: container({ aliases: ['alpha', 'alpha-0'] }) });
    const b = config({ cmd: 'sleep 30', container: container({ aliases: ['beta'] }) });
    await d.startTask(a);
    await d.startTask(b);
    const fromB = await d.execTask(b.taskKey, 'getent hosts alpha-0', 5000);
    assert.equal(fromB.exitCode, 0, fromB.output);
    assert.match(fromB.output, /^\d+\.\d+\.\d+\.\d+\s+alpha-0/);
    assert.deepEqual(await d.execTask(a.taskKey, 'hostname', 5000), {
      exitCode: 0,
      output: 'alpha\n',
      timedOut: false,
    });
    const netName = `flt-${OWN_ID}-net`;
    const network = await engine.json<{ Labels: Record<string, string> }>({ path: `/networks/${netName}` });
    assert.equal(network.Labels[LABEL.daemon], OWN_ID);
    assert.equal(network.Labels['io.flotilla.stack'], 'test');

    await d.destroyTask(a.taskKey);
    assert.ok(await exists(`/networks/${netName}`), 'the network stays while a task is attached');
    await d.destroyTask(b.taskKey);
    assert.ok(!(await exists(`/networks/${netName}`)), 'the network goes with its last task');
  });

  it(
    'creates a stack network once for tasks starting together, and mends a duplicated one',
    opts,
    async () => {
      const d = driver();
      const tasks = [0, 1, 2].map((i) =>
        config({ cmd: 'sleep 30', container: container({ aliases: [`n${i}`] }) }),
      );
      await Promise.all(tasks.map((t) => d.startTask(t)));
      const netName = `flt-${OWN_ID}-net`;
      assert.equal((await networksNamed(netName)).length, 1);
      for (const t of tasks) await d.destroyTask(t.taskKey);
      assert.equal((await networksNamed(netName)).length, 0);

      // As an earlier race (or another client) may have left it: two networks of one name.
      for (let i = 0; i < 2; i++) {
        await engine.json({
          method: 'POST',
          path: '/networks/create',
          body: { Name: netName, CheckDuplicate: false, Labels: { [LABEL.daemon]: OWN_ID } },
        });
      }
      const again = config({ cmd: 'sleep 30', container: container({ aliases: ['mended'] }) });
      await d.startTask(again);
      assert.equal((await networksNamed(netName)).length, 1);
    },
  );

  it('keeps the data volume across replacement and destroy; purgeTask removes it', opts, async () => {
    const d = driver();
    const volume = `flt-${OWN_ID}-data-0`;
    const fields = {
      taskKey: 'dock/vol',
      container: container({
        dataVolume: volume,
        mounts: [{ type: 'volume' as const, source: 'shared', target: '/shared', readOnly: false }],
      }),
    };
    const first = config({ ...fields, cmd: 'echo kept > data/x; echo also > /shared/y' });
    await d.startTask(first);
    assert.equal((await d.waitTask(first.taskKey)).exitCode, 0);
    const info = await engine.json<{ Labels: Record<string, string>; Options: Record<string, string> }>({
      path: `/volumes/${volume}`,
    });
    assert.equal(info.Labels[LABEL.task], first.taskKey);
    assert.equal(info.Options.device, path.join(first.sandbox, 'data'));
    await d.destroyTask(first.taskKey);
    assert.ok(await exists(`/volumes/${volume}`));

    const second = config({ ...fields, cmd: 'cat data/x /shared/y' });
    await d.startTask(second);
    await d.waitTask(second.taskKey);
    assert.equal(readLog(second, 'stdout'), 'kept\nalso\n');
    await d.purgeTask(second.taskKey);
    assert.equal(d.inspectTask(second.taskKey), null);
    assert.ok(!(await exists(`/volumes/${volume}`)));
    assert.ok(!(await exists(`/volumes/flt-${OWN_ID}-shared`)));
  });

  it('reports an out-of-memory kill', opts, async () => {
    const d = driver();
    const cfg = config({ cmd: 'head -c 200m /dev/zero | tail', mem: 32 });
    await d.startTask(cfg);
    const exit = await d.waitTask(cfg.taskKey);
    assert.equal(exit.exitCode, 137);
    assert.equal(exit.message, 'killed: out of memory (limit 32 MB)');
  });

  it(
    'recovers with the same container, and copies the logs written meanwhile exactly once',
    opts,
    async () => {
      const first = driver();
      const cfg = config({
        cmd: 'i=0; while :; do i=$((i+1)); echo line-$i; echo err-$i >&2; sleep 0.01; done',
      });
      const handle = await first.startTask(cfg);
      await waitForLines(cfg, 20);
      first.close();
      const whileAlone = countLines(cfg);
      await delay(300);
      assert.ok(countLines(cfg) - whileAlone <= 0, 'nobody follows after close()');

      // Adopted by its launch id, as when the daemon died before recording the container.
      const unrecorded: TaskHandle = { ...handle, pid: 0, startTime: '', containerId: '' };
      delete unrecorded.sandbox;
      const interim = driver();
      assert.equal(await interim.recoverTask(cfg.taskKey, unrecorded), true);
      assert.deepEqual(
        [unrecorded.containerId, unrecorded.pid, unrecorded.startTime, unrecorded.sandbox],
        [handle.containerId, handle.pid, handle.startTime, handle.sandbox],
      );
      await delay(200);
      interim.close();
      await delay(300);

      const second = driver();
      const saved = JSON.parse(JSON.stringify(handle)) as TaskHandle;
      assert.equal(await second.recoverTask(cfg.taskKey, saved), true);
      assert.equal(saved.containerId, handle.containerId);
      await delay(200);
      await second.stopTask(cfg.taskKey, 2000);
      const exit = await second.waitTask(cfg.taskKey);
      assert.equal(exit.unknownStatus, false);
      assert.equal(exit.exitCode, 143);
      for (const [stream, prefix] of [
        ['stdout', 'line'],
        ['stderr', 'err'],
      ] as const) {
        const lines = readLog(cfg, stream).trimEnd().split('\n');
        assert.ok(lines.length > 40, `${stream}: ${lines.length} lines`);
        const expected = lines.map((_, i) => `${prefix}-${i + 1}`);
        assert.deepEqual(lines, expected, `${stream} has every line once, in order`);
      }
    },
  );

  it('refuses to start over a running container of the same name', opts, async () => {
    const cfg = config({ cmd: 'sleep 30' });
    await driver().startTask(cfg);
    await rejectsWith(driver().startTask({ ...cfg, launchId: randomUUID() }), 'NAME_CONFLICT');
  });

  it('names a missing image; a missing program exits 127 with the reason in stderr', opts, async () => {
    const d = driver();
    const missing = 'flotilla/no-such-image:never';
    await assert.rejects(
      d.startTask(config({ cmd: 'true', container: container({ image: missing }) })),
      (err) => isFlotillaError(err) && err.code === 'IMAGE_MISSING' && err.message.includes(missing),
    );
    // docker-init execs the program: the container starts, and init reports the failed exec.
    const cfg = config({ args: ['/nonexistent/flotilla-prog'] });
    await d.startTask(cfg);
    assert.equal((await d.waitTask(cfg.taskKey)).exitCode, 127);
    assert.match(readLog(cfg, 'stderr'), /\/nonexistent\/flotilla-prog/);
  });

  it('kills a timed-out exec command in the container', opts, async () => {
    const d = driver();
    const cfg = config({ cmd: 'sleep 30' });
    await d.startTask(cfg);
    const slow = await d.execTask(cfg.taskKey, 'sleep 31; echo late', 300);
    assert.equal(slow.timedOut, true);
    const left = await d.execTask(
      cfg.taskKey,
      "cat /proc/[0-9]*/cmdline | tr '\\0' ' ' | grep -c '[s]leep 31'",
      5000,
    );
    assert.equal(left.output.trim(), '0');
  });

  it('sweeps containers of tasks it was not told to keep', opts, async () => {
    const d = driver();
    const keep = config({ cmd: 'sleep 30' });
    const drop = config({ cmd: 'sleep 30', container: container({ aliases: ['gone'] }) });
    await d.startTask(keep);
    const dropped = await d.startTask(drop);
    assert.deepEqual(await d.sweep(new Set([keep.taskKey])), [drop.taskKey]);
    assert.ok(!(await exists(`/containers/${dropped.containerId}/json`)));
    assert.ok(!(await exists(`/networks/flt-${OWN_ID}-net`)));
    assert.equal(d.inspectTask(keep.taskKey)?.running, true);
    assert.equal(d.inspectTask(drop.taskKey), null);
  });

  // Last: whatever the tests above made, their own clean-up (destroyTask, purgeTask) removed.
  it('leaves no container, network or volume behind', opts, async () => {
    const filters = labelFilter({ [LABEL.daemon]: OWN_ID });
    const containers = await engine.json<unknown[]>({ path: '/containers/json', query: { all: 1, filters } });
    const networks = await engine.json<unknown[]>({ path: '/networks', query: { filters } });
    const volumes = await engine.json<{ Volumes: unknown[] | null }>({
      path: '/volumes',
      query: { filters },
    });
    assert.deepEqual([containers.length, networks.length, volumes.Volumes?.length ?? 0], [0, 0, 0]);
  });
});

/** The fields of a container inspect the tests read, beyond the driver's own. */
interface FullInfo extends Omit<ContainerInfo, 'Config' | 'HostConfig'> {
  Config: {
    Labels: Record<string, string>;
    Env: string[];
    User: string;
    WorkingDir: string;
    ExposedPorts: Record<string, unknown>;
  };
  HostConfig: {
    Init: boolean;
    RestartPolicy: { Name: string };
    Memory: number;
    MemorySwap: number;
    CpuShares: number;
    NanoCpus: number;
    PortBindings: Record<string, { HostIp: string; HostPort: string }[]>;
  };
  Mounts: { Type: string; Source: string; Destination: string }[];
}

function inspect(id: string): Promise<FullInfo> {
  return engine.json<FullInfo>({ path: `/containers/${id}/json` });
}

async function imagePathEntry(): Promise<string | undefined> {
  const image = await engine.json<{ Config: { Env: string[] | null } }>({ path: `/images/${IMAGE}/json` });
  return image.Config.Env?.find((e) => e.startsWith('PATH='));
}

async function networksNamed(name: string): Promise<unknown[]> {
  const found = await engine.json<{ Name: string }[]>({
    path: '/networks',
    query: { filters: JSON.stringify({ name: [name] }) },
  });
  return found.filter((n) => n.Name === name);
}

async function exists(apiPath: string): Promise<boolean> {
  try {
    await engine.json({ path: apiPath });
    return true;
  } catch (err) {
    if (err instanceof EngineError && err.status === 404) return false;
    throw err;
  }
}

/** Why the engine tests cannot run here, or null when they can. */
async function whyNoEngine(e: Engine): Promise<string | null> {
  try {
    await e.version();
  } catch (err) {
    // The engine client's own message already names the address and the cause.
    if (isFlotillaError(err)) return err.message;
    return `no Docker engine answers at ${describeAddress(e.address)}: ${(err as Error).message}`;
  }
  try {
    await e.json({ path: `/images/${IMAGE}/json`, timeoutMs: 5000 });
  } catch (err) {
    return `the image ${IMAGE} is not on the engine at ${describeAddress(e.address)}: ${(err as Error).message}`;
  }
  return null;
}

/** Belt and braces after the suite: anything labelled with the test daemon ids goes. */
async function removeLabelled(e: Engine, daemonId: string): Promise<void> {
  const filters = labelFilter({ [LABEL.daemon]: daemonId });
  const ignore = (): void => {};
  for (const c of await e.json<{ Id: string }[]>({ path: '/containers/json', query: { all: 1, filters } })) {
    await e.json({ method: 'DELETE', path: `/containers/${c.Id}`, query: { force: 1 } }).catch(ignore);
  }
  for (const n of await e.json<{ Id: string }[]>({ path: '/networks', query: { filters } })) {
    await e.json({ method: 'DELETE', path: `/networks/${n.Id}` }).catch(ignore);
  }
  const volumes = await e.json<{ Volumes: { Name: string }[] | null }>({
    path: '/volumes',
    query: { filters },
  });
  for (const v of volumes.Volumes ?? []) {
    await e.json({ method: 'DELETE', path: `/volumes/${v.Name}` }).catch(ignore);
  }
}

function readLog(cfg: TaskConfig, stream: 'stdout' | 'stderr'): string {
  return fs.readFileSync(path.join(cfg.sandbox, 'logs', stream), 'utf8');
}

function countLines(cfg: TaskConfig): number {
  return readLog(cfg, 'stdout').split('\n').length - 1;
}

async function waitForLines(cfg: TaskConfig, n: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!fs.existsSync(path.join(cfg.sandbox, 'logs', 'stdout')) || countLines(cfg) < n) {
    if (Date.now() > deadline) throw new Error(`fewer than ${n} lines in ${cfg.sandbox}/logs/stdout`);
    await delay(20);
  }
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** The first line a TCP server sends, retried until it answers (the program takes a moment to listen). */
async function readLine(host: string, port: number, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = await new Promise<string | null>((resolve) => {
      const socket = net.connect(port, host);
      let data = '';
      socket.setTimeout(1000, () => socket.destroy());
      socket.on('data', (chunk) => (data += chunk.toString()));
      socket.on('close', () => resolve(data.includes('\n') ? (data.split('\n')[0] ?? '') : null));
      socket.on('error', () => resolve(null));
    });
    if (line !== null) return line;
    if (Date.now() > deadline) throw new Error(`nothing answered on ${host}:${port}`);
    await delay(100);
  }
}

async function rejectsWith(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(promise, (err) => isFlotillaError(err) && err.code === code);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
