import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildServer } from '../api/server.js';
import { ArtifactResolver } from '../artifacts/resolver.js';
import { virtualNodes } from '../core/node.js';
import { DnsServer } from '../discovery/dns-server.js';
import { DOMAIN, DiscoverySource } from '../discovery/source.js';
import { pathsFor } from '../core/paths.js';
import { PortAllocator } from '../deploy/ports.js';
import { ProcessDriver } from '../drivers/process/driver.js';
import { EventBus } from '../reconciler/events.js';
import { Reconciler } from '../reconciler/reconciler.js';
import { taskKey } from '../reconciler/supervisor.js';
import { createStore } from '../state/store.js';
import type { DaemonConfig } from './config.js';
import { ControlPlane } from './control-plane.js';
import { acquireLock } from './lock.js';
import { createMetrics } from './metrics.js';
import { VERSION } from './version.js';

export interface DaemonInfo {
  pid: number;
  address: string;
  /** host:port of the DNS server, or null when its port was taken. */
  dns: string | null;
  home: string;
  version: string;
  startedAt: number;
}

export interface RunningDaemon {
  info: DaemonInfo;
  stop(stopTasks?: boolean): Promise<void>;
  done: Promise<void>;
}

/** Wires the store, driver, reconciler and API together and serves until stopped. */
export async function startDaemon(config: DaemonConfig, log: (msg: string) => void): Promise<RunningDaemon> {
  const defaults = pathsFor(config.home);
  const paths = { ...defaults, artifacts: config.artifactsDir ?? defaults.artifacts };
  fs.mkdirSync(paths.home, { recursive: true, mode: 0o700 });
  fs.mkdirSync(paths.logs, { recursive: true });
  const releaseLock = acquireLock(paths.daemonLock);
  const store = createStore(paths.db);
  const events = new EventBus(store.events);
  const discovery = new DiscoverySource(store);
  events.subscribe(() => discovery.invalidate());
  const metrics = createMetrics(store);
  const driver = new ProcessDriver();
  const artifacts = new ArtifactResolver({ cacheDir: paths.artifacts });
  const reconciler = new Reconciler({
    store,
    driver,
    paths,
    events,
    log,
    onRestart: (t) => metrics.restarts.inc({ tenant: t.tenant, owner: t.owner }),
    onOwnerReady: (tenant, owner) => control.onOwnerReady(tenant, owner),
    artifacts,
  });
  // Start allocating at a random point of the range: daemons of several homes rarely race for a port.
  const [lo, hi] = config.portRange;
  const ports = new PortAllocator(
    config.portRange,
    undefined,
    lo + Math.floor(Math.random() * (hi - lo + 1)),
  );
  const nodes = virtualNodes(config.nodes, {
    cpus: os.availableParallelism(),
    memMb: os.totalmem() / 2 ** 20,
  });
  const control: ControlPlane = new ControlPlane(
    store,
    paths,
    { store, paths, ports, nodes },
    reconciler,
    events,
    log,
  );
  const startedAt = Date.now();

  const recovered = await reconciler.start();
  log(
    `recovered state: ${recovered.adopted} task(s) adopted, ${recovered.lost} lost while the daemon was down`,
  );

  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  let stopping: Promise<void> | null = null;
  const stop = (stopTasks = false): Promise<void> => {
    stopping ??= (async () => {
      log(stopTasks ? 'stopping the daemon and its tasks' : 'stopping the daemon; tasks keep running');
      await server.close();
      await dns?.stop();
      // The loop stops first, or it would relaunch the tasks being stopped.
      reconciler.stop();
      if (stopTasks) {
        await Promise.all(
          store.tasks
            .listAll()
            .map((t) => reconciler.supervisor.kill(taskKey(t.tenant, t.id), 'daemon stopped')),
        );
      }
      store.close();
      fs.rmSync(paths.daemonInfo, { force: true });
      releaseLock();
      resolveDone();
    })();
    return stopping;
  };

  const server = await buildServer({
    control,
    events,
    metrics: metrics.registry,
    paths,
    version: VERSION,
    startedAt,
    log,
    shutdown: (stopTasks) => void stop(stopTasks),
  });
  const address = await server.listen({ host: config.host, port: config.port });
  const dns = await startDns(config, discovery, log);
  const info: DaemonInfo = {
    pid: process.pid,
    address,
    dns: dns ? `${dns.address.host}:${dns.address.port}` : null,
    home: paths.home,
    version: VERSION,
    startedAt,
  };
  const tmp = path.join(paths.home, `.daemon.json.${process.pid}`);
  fs.writeFileSync(tmp, JSON.stringify(info, null, 2), { mode: 0o600 });
  fs.renameSync(tmp, paths.daemonInfo);
  log(`flotilla daemon ${VERSION} listening on ${address} (home ${paths.home})`);
  return { info, stop, done };
}

/** DNS is a convenience: a taken port costs discovery by DNS (logged), not the whole daemon. */
async function startDns(
  config: DaemonConfig,
  discovery: DiscoverySource,
  log: (msg: string) => void,
): Promise<{ address: { host: string; port: number }; stop: () => Promise<void> } | null> {
  const server = new DnsServer({
    host: config.dns.host,
    port: config.dns.port,
    records: () => discovery.records(),
  });
  try {
    const address = await server.start();
    log(`DNS for *.${DOMAIN} on ${address.host}:${address.port} (udp and tcp)`);
    return { address, stop: () => server.stop() };
  } catch (err) {
    log(`DNS disabled: ${err instanceof Error ? err.message : String(err)} (set FLOTILLA_DNS_LISTEN)`);
    return null;
  }
}
