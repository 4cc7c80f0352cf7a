import type { TaskUser } from '../core/identity.js';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { FlotillaError } from '../core/errors.js';
import type { JobRecord, JobSpec, JobState } from '../core/job.js';
import type { JobListView, JobSubmitBody, JobView } from '../core/job-schemas.js';
import { jobPath, tenantDataPath, type Paths } from '../core/paths.js';
import type { TaskHandle } from '../core/task.js';
import type { Driver, ExitResult } from '../drivers/driver.js';
import type { Store } from '../state/store.js';
import { resolveInDataFolder } from './app-path.js';
import { jobFiles, LogScanner, readExitStatus, wrappedArgs, type JobFiles } from './job-process.js';
import type { JobLauncher } from './launcher.js';
import { driverKey, jobView } from './view.js';

const SCAN_MS = 500;
const KILL_GRACE_MS = 10_000;

export interface JobsDeps {
  store: Store;
  /** The same driver as the tasks': a job's driver is a process group with its own sandbox. */
  driver: Driver;
  paths: Paths;
  /** By package name: how that package runs jobs. A package without one runs none. */
  launchers: Record<string, JobLauncher>;
  log: (msg: string) => void;
  now?: () => number;
  newId?: () => string;
  /** The Unix user a tenant's jobs run as, when the daemon isolates tenants. */
  userOf?(tenant: string): TaskUser | undefined;
}

/**
 * Jobs submitted to services: each one's driver runs as a process group through the task driver,
 * writes driver.log in its folder (`<home>/jobs/<tenant>/<service>/<id>/`), and is recorded from
 * submission to its end. A daemon that restarts adopts the drivers still running.
 */
export class Jobs {
  /** Settles when the job's driver is gone and its end is recorded. */
  private userFor(tenant: string): { user?: TaskUser } {
    const user = this.d.userOf?.(tenant);
    return user ? { user } : {};
  }

  private readonly watched = new Map<string, Promise<void>>();
  private readonly killing = new Set<string>();
  private readonly now: () => number;
  private readonly newId: () => string;
  private stopped = false;

  constructor(private readonly d: JobsDeps) {
    this.now = d.now ?? Date.now;
    this.newId = d.newId ?? (() => `job-${randomBytes(4).toString('hex')}`);
  }

  dataDir(tenant: string): string {
    const dir = tenantDataPath(this.d.paths, tenant);
    fs.mkdirSync(dir, { recursive: true });
    return dir;
  }

  async submit(tenant: string, serviceName: string, body: JobSubmitBody): Promise<JobView> {
    const service = this.d.store.services.get(tenant, serviceName);
    if (!service) throw new FlotillaError('SERVICE_NOT_FOUND', `no service "${serviceName}"`);
    const launcher = this.d.launchers[service.package];
    if (!launcher) {
      throw new FlotillaError(
        'JOBS_UNSUPPORTED',
        `service ${serviceName} is a ${service.package} service, which runs no jobs; ` +
          `packages that do: ${Object.keys(this.d.launchers).join(', ')}`,
      );
    }
    const dataDir = this.dataDir(tenant);
    const app = resolveInDataFolder(dataDir, body.app, 'application', ['.py', '.jar']);
    if (body.class && !app.endsWith('.jar')) {
      throw new FlotillaError('JOB_APP_INVALID', `class ${body.class}: only a .jar has a main class`);
    }
    const notSpark = Object.keys(body.conf ?? {}).filter((k) => !k.startsWith('spark.'));
    if (notSpark.length > 0) {
      throw new FlotillaError(
        'VALIDATION_FAILED',
        `conf: ${notSpark.join(', ')}: Spark properties start with "spark." (spark-submit would ignore these)`,
      );
    }
    const spec: JobSpec = {
      app,
      args: body.args ?? [],
      mainClass: body.class ?? null,
      conf: body.conf ?? {},
      connectors: [...new Set(body.connectors ?? [])],
      jars: (body.jars ?? []).map((j) => resolveInDataFolder(dataDir, j, 'jar', ['.jar'])),
    };
    const id = this.newId();
    const files = jobFiles(jobPath(this.d.paths, tenant, serviceName, id));
    fs.mkdirSync(files.work, { recursive: true });
    let launch;
    try {
      const tasks = this.d.store.tasks.byOwner(tenant, serviceName).filter((t) => t.desired === 'running');
      launch = await launcher.prepare({
        tenant,
        service,
        tasks,
        id,
        spec,
        workDir: files.work,
        dataDir,
        home: this.d.paths.home,
      });
    } catch (err) {
      fs.rmSync(files.dir, { recursive: true, force: true });
      throw err;
    }
    const key = driverKey({ tenant, service: serviceName, id });
    // Recorded before the spawn, with its launch id: a daemon that dies in between finds it by that.
    const pending: TaskHandle = {
      driver: this.d.driver.name,
      launchId: randomUUID(),
      pid: 0,
      startTime: '',
      bootId: '',
      startedAt: this.now(),
      sandbox: files.dir,
    };
    this.d.store.jobs.create(
      {
        tenant,
        id,
        service: serviceName,
        ...spec,
        state: 'running',
        exitCode: null,
        applicationId: null,
        message: null,
        process: pending,
      },
      this.now(),
    );
    fs.writeFileSync(files.log, '');
    try {
      const handle = await this.d.driver.startTask({
        taskKey: key,
        launchId: pending.launchId,
        sandbox: files.dir,
        dataDir,
        args: wrappedArgs(files, launch.args),
        env: launch.env,
        cpus: launch.cpus,
        mem: launch.mem,
        ...this.userFor(tenant),
      });
      this.d.store.jobs.update(tenant, id, { process: handle });
    } catch (err) {
      const message = `the driver did not start: ${err instanceof Error ? err.message : String(err)}`;
      this.end(tenant, id, 'failed', null, message);
      return this.get(tenant, serviceName, id);
    }
    this.watch(this.require(tenant, serviceName, id), launcher, files);
    return this.get(tenant, serviceName, id);
  }

  list(tenant: string, service: string): JobListView {
    this.requireService(tenant, service);
    return { dataDir: this.dataDir(tenant), jobs: this.d.store.jobs.list(tenant, service).map(jobView) };
  }

  get(tenant: string, service: string, id: string): JobView {
    return jobView(this.require(tenant, service, id));
  }

  /** driver.log of a job of this tenant and service. */
  logFile(tenant: string, service: string, id: string): string {
    const j = this.require(tenant, service, id);
    return jobFiles(jobPath(this.d.paths, tenant, j.service, j.id)).log;
  }

  isRunning(tenant: string, id: string): boolean {
    return this.d.store.jobs.get(tenant, id)?.state === 'running';
  }

  /** Stops a running job (SIGTERM to its driver's group, SIGKILL after the grace); its view once ended. */
  async kill(tenant: string, service: string, id: string, graceMs = KILL_GRACE_MS): Promise<JobView> {
    const j = this.require(tenant, service, id);
    if (j.state !== 'running') return jobView(j);
    const key = driverKey(j);
    const settled = this.watched.get(key);
    if (!settled) {
      // Recorded as running, yet no driver runs under this daemon: nothing left to stop.
      this.end(tenant, id, 'killed', null, 'killed on request (no driver was running)');
      return this.get(tenant, service, id);
    }
    this.killing.add(key);
    await this.d.driver.stopTask(key, graceMs).catch(() => undefined);
    await settled;
    return this.get(tenant, service, id);
  }

  /**
   * At daemon start: adopts every job whose driver still runs (same pid, start time and boot), and
   * settles the others from the exit status their wrapper left, or as failed.
   */
  async recover(): Promise<{ adopted: number; ended: number }> {
    let adopted = 0;
    let ended = 0;
    for (const j of this.d.store.jobs.listRunning()) {
      const files = jobFiles(jobPath(this.d.paths, j.tenant, j.service, j.id));
      const launcher = this.launcherOf(j);
      const handle = j.process ? { ...j.process } : null;
      if (handle && launcher && (await this.d.driver.recoverTask(driverKey(j), handle))) {
        adopted++;
        if (handle.pid !== j.process?.pid) this.d.store.jobs.update(j.tenant, j.id, { process: handle });
        this.watch(j, launcher, files);
        continue;
      }
      ended++;
      const code = readExitStatus(files);
      if (code === null) this.end(j.tenant, j.id, 'failed', null, 'daemon restarted: the driver was gone');
      else
        this.end(j.tenant, j.id, code === 0 ? 'finished' : 'failed', code, 'ended while the daemon was down');
    }
    return { adopted, ended };
  }

  /**
   * The daemon stops. With `killJobs`, every running job is stopped first; otherwise the drivers keep
   * running, for the next daemon to adopt.
   */
  async stop(killJobs: boolean): Promise<void> {
    if (killJobs) {
      await Promise.all(
        this.d.store.jobs
          .listRunning()
          .map((j) =>
            this.kill(j.tenant, j.service, j.id).catch((err: unknown) =>
              this.d.log(`job ${j.tenant}/${j.service}/${j.id}: ${String(err)}`),
            ),
          ),
      );
    }
    this.stopped = true;
  }

  private watch(j: JobRecord, launcher: JobLauncher, files: JobFiles): void {
    const key = driverKey(j);
    const scanner = new LogScanner(files.log, (text) => launcher.applicationId(text));
    const scan = () => {
      if (this.stopped || !scanner.scan()) return;
      clearInterval(timer);
      this.d.store.jobs.update(j.tenant, j.id, { applicationId: scanner.found ?? null });
    };
    const timer = setInterval(scan, SCAN_MS);
    const settled = this.d.driver
      .waitTask(key)
      .then(async (exit) => {
        clearInterval(timer);
        // What its leader left behind in the group goes too, and the driver's cgroup with it.
        await this.d.driver.destroyTask(key).catch(() => undefined);
        if (this.stopped) return;
        scan();
        this.settle(j, files, exit, this.killing.delete(key));
      })
      .catch((err: unknown) => {
        clearInterval(timer);
        this.d.log(`job ${key}: ${err instanceof Error ? err.message : String(err)}`);
      })
      .finally(() => this.watched.delete(key));
    this.watched.set(key, settled);
  }

  private settle(j: JobRecord, files: JobFiles, exit: ExitResult, killed: boolean): void {
    const code = readExitStatus(files) ?? exit.exitCode;
    if (killed) return this.end(j.tenant, j.id, 'killed', code, 'killed on request');
    if (code === 0) return this.end(j.tenant, j.id, 'finished', 0, null);
    const how =
      exit.message ??
      (code !== null
        ? `the driver exited with status ${code}`
        : exit.signal
          ? `the driver was killed by ${exit.signal}`
          : 'the driver exited (status unknown)');
    this.end(j.tenant, j.id, 'failed', code, how);
  }

  private end(tenant: string, id: string, state: JobState, exitCode: number | null, message: string | null) {
    this.d.store.jobs.update(tenant, id, { state, exitCode, message, endedAt: this.now() });
  }

  private launcherOf(j: JobRecord): JobLauncher | undefined {
    const s = this.d.store.services.get(j.tenant, j.service);
    // The service may have been removed while its job's driver still runs: any launcher reads the log.
    return s ? this.d.launchers[s.package] : Object.values(this.d.launchers)[0];
  }

  private requireService(tenant: string, service: string): void {
    if (!this.d.store.services.get(tenant, service)) {
      throw new FlotillaError('SERVICE_NOT_FOUND', `no service "${service}"`);
    }
  }

  private require(tenant: string, service: string, id: string): JobRecord {
    const j = this.d.store.jobs.get(tenant, id);
    if (!j || j.service !== service) {
      throw new FlotillaError('JOB_NOT_FOUND', `service ${service} has no job "${id}"`);
    }
    return j;
  }
}
