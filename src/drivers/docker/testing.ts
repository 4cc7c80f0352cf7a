// What the Docker driver's test files share: one engine per test file, the skip reason when it cannot
// run, a fixture that names and cleans up each file's containers, and engine look-ups for assertions.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, it } from 'node:test';
import { isFlotillaError } from '../../core/errors.js';
import type { ErrorCode } from '../../core/errors.js';
import type { ContainerConfig, TaskConfig } from '../driver.js';
import { DockerDriver } from './driver.js';
import type { DockerDriverOptions } from './driver.js';
import { describeAddress, Engine, EngineError } from './engine.js';
import { labelFilter } from './resources.js';
import type { ContainerInfo } from './state.js';
import { LABEL } from './state.js';

export const IMAGE = 'flotilla/base:bookworm';
/** Names this run's containers, networks and volumes apart from any real daemon's and other runs'. */
const RUN = `t${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`;
export const CONTRACT_ID = `${RUN}c`;
export const OWN_ID = `${RUN}d`;

export const engine = new Engine();
/** Why the engine tests cannot run here (they are skipped, saying so), or null. */
export const unavailable = await whyNoEngine(engine);
if (unavailable) console.warn(`SKIPPING the Docker driver tests: ${unavailable}`);
after(async () => {
  if (!unavailable) for (const id of [CONTRACT_ID, OWN_ID]) await removeLabelled(engine, id);
  engine.close();
});

/**
 * Call inside a describe: drivers under OWN_ID, tasks in a temporary root, and after each test every
 * task destroyed and purged (as a daemon tearing a stack down with --purge would).
 */
export function dockerFixture() {
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

  return { root, opts, driver, container, config };
}

/** Last in a file: whatever its tests made, their own clean-up (destroyTask, purgeTask) removed. */
export function itLeavesNothingBehind(opts: { timeout: number }): void {
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
}

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

export function inspect(id: string): Promise<FullInfo> {
  return engine.json<FullInfo>({ path: `/containers/${id}/json` });
}

export async function imagePathEntry(): Promise<string | undefined> {
  const image = await engine.json<{ Config: { Env: string[] | null } }>({ path: `/images/${IMAGE}/json` });
  return image.Config.Env?.find((e) => e.startsWith('PATH='));
}

export async function networksNamed(name: string): Promise<unknown[]> {
  const found = await engine.json<{ Name: string }[]>({
    path: '/networks',
    query: { filters: JSON.stringify({ name: [name] }) },
  });
  return found.filter((n) => n.Name === name);
}

export async function exists(apiPath: string): Promise<boolean> {
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

export function readLog(cfg: TaskConfig, stream: 'stdout' | 'stderr'): string {
  return fs.readFileSync(path.join(cfg.sandbox, 'logs', stream), 'utf8');
}

export function countLines(cfg: TaskConfig): number {
  return readLog(cfg, 'stdout').split('\n').length - 1;
}

export async function waitForLines(cfg: TaskConfig, n: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!fs.existsSync(path.join(cfg.sandbox, 'logs', 'stdout')) || countLines(cfg) < n) {
    if (Date.now() > deadline) throw new Error(`fewer than ${n} lines in ${cfg.sandbox}/logs/stdout`);
    await delay(20);
  }
}

export function freePort(host: string): Promise<number> {
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
export async function readLine(host: string, port: number, timeoutMs: number): Promise<string> {
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

export async function rejectsWith(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(promise, (err) => isFlotillaError(err) && err.code === code);
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
