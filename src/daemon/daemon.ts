import fs from 'node:fs';
import path from 'node:path';
import { buildServer } from '../api/server.js';
import { ConsoleViews } from './console-views.js';
import { ArtifactResolver } from '../artifacts/resolver.js';
import { inspectAllJava } from '../catalog/java.js';
import { compileOptionValidators } from '../catalog/registry.js';
import { ensureRuntime } from '../catalog/runtimes.js';
import type { RuntimeRef } from '../core/task.js';
import { virtualNodes } from '../core/node.js';
import { DEFAULT_TENANT } from '../core/service.js';
import { DiscoverySource } from '../discovery/source.js';
import { TenantDns } from '../discovery/tenant-dns.js';
import { pathsFor, tenantDataPath, type Paths } from '../core/paths.js';
import { localHost } from '../deploy/host.js';
import { DEFAULT_RESERVATIONS_DIR, PortReservations } from '../deploy/port-reservations.js';
import { PortAllocator } from '../deploy/ports.js';
import { DockerDriver } from '../drivers/docker/driver.js';
import { containerConfig } from '../drivers/docker/scope.js';
import { Engine } from '../drivers/docker/engine.js';
import { ProcessDriver } from '../drivers/process/driver.js';
import { DriverSet } from '../drivers/set.js';
import { BASE_IMAGE } from '../images/layout.js';
import { Jobs } from '../jobs/jobs.js';
import { sparkLauncher } from '../jobs/spark.js';
import { EventBus } from '../reconciler/events.js';
import { DEFAULT_LOG_LIMITS, startLogRotation } from '../reconciler/log-rotation.js';
import { Reconciler } from '../reconciler/reconciler.js';
import { taskKey } from '../core/keys.js';
import { createStore, type Store } from '../state/store.js';
import { daemonIdOf, type DaemonConfig } from './config.js';
import { TaskImages } from './images.js';
import { ControlPlane } from './control-plane.js';
import { TenantIsolation } from './isolation.js';
import { DataFolders } from './data-folders.js';
import { Shares } from './shares.js';
import { HOME_CHECK_MS, watchHome } from './home-watch.js';
import { acquireLock } from './lock.js';
import { createMetrics } from './metrics.js';
import { ServicePlans } from './plans.js';
import { startPolicyOf } from './start-policy.js';
import { Tenants } from './tenants.js';
import { FaultEngine } from '../faults/engine.js';
import { serviceLeader } from './leaders.js';
import { homeIdOf } from '../isolation/identity.js';
import { VERSION } from './version.js';

const ADMIT_INTERVAL_MS = 2000;

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
  // Before anything else touches the home: a second daemon must leave it as it found it.
  const releaseLock = acquireLock(paths.daemonLock);
  fs.mkdirSync(paths.logs, { recursive: true });
  const store = createStore(paths.db);
  // Before the isolation, whose firewall rules name each tenant's DNS address from the first sync.
  const events = new EventBus(store.events);
  const discovery = new DiscoverySource(store);
  events.subscribe(() => discovery.invalidate());
  const dns = new TenantDns(discovery, config.dns, log);
  const isolation = new TenantIsolation(
    config.isolation ?? 'auto',
    paths,
    store,
    (tenant) => dns.addressOf(tenant),
    log,
    config.uidRange ? { range: config.uidRange } : {},
  );
  const data = new DataFolders({ paths, store, userOf: (t) => isolation.identities.userOf(t), log });
  const tenants = new Tenants(store, {
    changed: () => {
      ensureDataFolders(store, paths);
      control.admitWaiting();
      void dns.sync(store.tenants.list().map((t) => t.name)).then(() => isolation.sync());
    },
    dnsFor: (tenant) => dns.addressOf(tenant),
    allocation: (tenant) => control.tenantAllocation(tenant),
    userOf: (tenant) => isolation.identities.userOf(tenant)?.name,
    checkNew: () => isolation.checkNewTenant(),
    admitted: (tenant) => isolation.admit(tenant),
    dataSize: (tenant, sizeMb) => data.resize(tenant, sizeMb),
    // The data folder's volume first: a mounted folder could not be removed.
    forgotten: (tenant) => data.forget(tenant).then(() => isolation.forget(tenant)),
  });
  tenants.bootstrap(paths.home);
  ensureDataFolders(store, paths);
  await data.prepare();
  await isolation.prepare();
  const userOf = (tenant: string) => isolation.identities.userOf(tenant);
  const metrics = createMetrics(store);
  const processDriver = new ProcessDriver({
    cgroups: config.cgroups ?? 'auto',
    daemonHome: paths.home,
    warn: log,
  });
  const daemonId = daemonIdOf(paths.home);
  // The Docker engine is reached on first use: a daemon without one runs process tasks as before.
  let engine: Engine | null = null;
  const dockerEngine = () => (engine ??= new Engine());
  const driver = new DriverSet(
    {
      process: () => processDriver,
      docker: () =>
        new DockerDriver({
          engine: dockerEngine(),
          daemonId,
          defaultImage: BASE_IMAGE,
          cpuLimit: config.cgroups === 'strict' ? 'strict' : 'weight',
          warn: log,
        }),
    },
    'process',
  );
  const images = new TaskImages(dockerEngine, store, paths.artifacts, log);
  const resolver = new ArtifactResolver({ cacheDir: paths.artifacts });
  const artifacts = {
    ensure: (a: Parameters<ArtifactResolver['ensure']>[0]) => resolver.ensure(a),
    prepare: (r: RuntimeRef) => ensureRuntime(paths.artifacts, r),
  };
  const late: { faults?: FaultEngine } = {};
  const reconciler = new Reconciler({
    store,
    driver,
    paths,
    events,
    log,
    onRestart: (t) => metrics.restarts.inc({ tenant: t.tenant, owner: t.owner }),
    onOwnerReady: (tenant, owner) => control.onOwnerReady(tenant, owner),
    artifacts,
    images,
    containerConfig: (t, spec) => containerConfig(daemonId, t, spec),
    userOf,
    fenced: () => isolation.settled(),
    ...(config.startSlots ? { startSlots: config.startSlots } : {}),
    ...(config.startOrder ? { startOrder: config.startOrder } : {}),
    startPolicy: (t) => startPolicyOf(store, t),
    // The fault engine exists once the reconciler has adopted what runs: launches before it get nothing.
    beforeLaunch: async (t) => late.faults?.beforeLaunch(t) ?? {},
  });
  // Start allocating at a random point of the range: daemons of several homes rarely race for a port.
  const [lo, hi] = config.portRange;
  const host = localHost(
    (pkg, options) => images.nameFor(pkg, options),
    (container) => images.admit(container),
    // Tasks that run as their tenant's user (or as a daemon user that is not root) bind no low port.
    isolation.view.mode === 'users' || process.getuid?.() !== 0,
  );
  const ports = new PortAllocator(
    config.portRange,
    host.canBind,
    lo + Math.floor(Math.random() * (hi - lo + 1)),
    new PortReservations(config.portReservations ?? DEFAULT_RESERVATIONS_DIR, paths.home),
  );
  const nodes = virtualNodes(config.nodes, config.nodeOffer);
  const control: ControlPlane = new ControlPlane(
    store,
    paths,
    {
      store,
      paths,
      ports,
      nodes,
      host,
      defaultDriver: config.driver ?? 'process',
    },
    reconciler,
    events,
    log,
  );
  control.imagePuller = (image, policy, request) =>
    images.ensurePulled(dockerEngine(), image, policy, { fresh: true, ...request });
  control.publishIp = config.publishIp;
  const startedAt = Date.now();

  const recoveryStart = process.hrtime.bigint();
  const recovered = await reconciler.start();
  const recoveryMs = Number(process.hrtime.bigint() - recoveryStart) / 1e6;
  log(
    `recovered state: ${recovered.adopted} task(s) adopted, ${recovered.lost} lost while the daemon was down (${recoveryMs.toFixed(0)} ms)`,
  );
  // Before anything else can fault: what a daemon killed mid-fault left is healed first.
  const faults = new FaultEngine({
    faults: store.faults,
    tasks: store.tasks,
    signal: (key, signal) => driver.signalTask(key, signal),
    processesOf: (key) => processDriver.taskProcesses(key),
    restart: async (tenant, id) => {
      await reconciler.supervisor.kill(taskKey(tenant, id), 'restarted by a fault');
      reconciler.enqueue(tenant, [id]);
    },
    publish: (...args) => void events.publish(...args),
    homeId: homeIdOf(paths.home),
    nodes,
    log,
    userOf,
    leaderOf: serviceLeader(store, paths.artifacts),
  });
  late.faults = faults;
  await faults.recover();
  events.subscribe((e) => {
    if (e.type === 'task_state') faults.taskChanged(e.tenant, e.subject);
  });
  const jobs = new Jobs({
    store,
    driver: processDriver,
    paths,
    launchers: { spark: sparkLauncher({ paths, ensureArtifacts: (a) => resolver.ensure(a) }) },
    log,
    userOf,
  });
  const jobsRecovered = await jobs.recover();
  if (jobsRecovered.adopted + jobsRecovered.ended > 0)
    log(
      `recovered jobs: ${jobsRecovered.adopted} adopted, ${jobsRecovered.ended} ended since the last daemon`,
    );

  // Tasks release what they hold only once their processes are gone: look at the queue again soon.
  const admitTimer = setInterval(() => {
    if (store.queue.listAll().length > 0) control.admitWaiting();
  }, ADMIT_INTERVAL_MS);
  control.admitWaiting();
  control.resumePostReady();
  const stopRotating = startLogRotation(store.tasks, paths, config.logLimits ?? DEFAULT_LOG_LIMITS, log);

  // Its state, sandboxes and token are gone: no later daemon can adopt the tasks, so they stop too.
  const stopWatchingHome = watchHome(paths.home, config.homeCheckMs ?? HOME_CHECK_MS, (why) => {
    log(`${why}: stopping the daemon and its tasks`);
    try {
      for (const t of store.tenants.list()) {
        events.publish(t.name, 'home_deleted', paths.home, { home: paths.home, reason: why }, Date.now());
      }
    } catch (err) {
      // The database went with the home; the log line has said it, and stopping matters more.
      log(`could not publish home_deleted: ${String(err)}`);
    }
    void stop(true);
  });
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  let stopping: Promise<void> | null = null;
  const stop = (stopTasks = false): Promise<void> => {
    stopping ??= (async () => {
      log(stopTasks ? 'stopping the daemon and its tasks' : 'stopping the daemon; tasks keep running');
      clearInterval(admitTimer);
      stopWatchingHome();
      stopRotating();
      isolation.close();
      await server.close();
      // No fault outlives the daemon that made it.
      await faults.healAll(null, 'the daemon stopped').catch((e) => log(`healing faults: ${String(e)}`));
      await dns.stop();
      // The loop stops first, or it would relaunch the tasks being stopped.
      reconciler.stop();
      // Jobs' drivers keep running for the next daemon, unless the tasks stop too.
      await jobs.stop(stopTasks);
      if (stopTasks) {
        // A launch under way when the loop stopped would start its process after the kills below.
        await reconciler.settled(15_000);
        const keys = store.tasks.listAll().map((t) => taskKey(t.tenant, t.id));
        await Promise.all(keys.map((key) => reconciler.supervisor.kill(key, 'daemon stopped')));
        // The loop is stopped, so nothing else removes the stopped containers and their networks.
        await Promise.all(keys.map((key) => driver.destroyTask(key).catch(() => undefined)));
        faults.sweepLeftovers();
        await isolation.teardown();
        ports.release(new Map());
      }
      engine?.close();
      control.close();
      store.close();
      fs.rmSync(paths.daemonInfo, { force: true });
      releaseLock();
      resolveDone();
    })();
    return stopping;
  };

  const plans = new ServicePlans(store, paths, reconciler, control, log, events);
  const shares = new Shares(store, () => isolation.sync());
  compileOptionValidators();
  const server = await buildServer({
    control,
    views: new ConsoleViews({ store, nodes }),
    tenants,
    shares,
    plans,
    jobs,
    data,
    faults,
    store,
    auth: config.auth,
    events,
    metrics: metrics.registry,
    paths,
    version: VERSION,
    startedAt,
    engine: dockerEngine,
    openTerminal: (key, size) => driver.openTerminal(key, size),
    log,
    shutdown: (stopTasks) => void stop(stopTasks),
    security: () => isolation.checks(),
  });
  // `java -version` (once per install, remembered beside the artifacts) blocks for 100 ms or more:
  // asked before serving, so that neither a first JVM deploy nor `doctor` holds up every request.
  inspectAllJava(path.join(paths.artifacts, 'java-installs.json'));
  const address = await server.listen({ host: config.host, port: config.port });
  await dns.sync(store.tenants.list().map((t) => t.name));
  control.onCommit(() => void isolation.sync());
  events.subscribe((e) => {
    if (e.type === 'task_removed') void control.deployer.releasePorts();
    if (e.type === 'task_state' || e.type === 'task_removed') isolation.taskChanged();
  });
  await isolation.sync();
  const info: DaemonInfo = {
    pid: process.pid,
    address,
    dns: dns.addressOf(DEFAULT_TENANT),
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

/** Every tenant has its data folder (`<home>/data/<tenant>`) from the moment it exists. */
function ensureDataFolders(store: Store, paths: Paths): void {
  for (const t of store.tenants.list()) fs.mkdirSync(tenantDataPath(paths, t.name), { recursive: true });
}
