import os from 'node:os';
import path from 'node:path';

/** Where everything of one Flotilla installation lives, under FLOTILLA_HOME. */
export interface Paths {
  home: string;
  db: string;
  sandboxes: string;
  logs: string;
  daemonInfo: string;
  daemonLock: string;
  artifacts: string;
  /** Tenants' data folders: `<data>/<tenant>`, the same path on every node of the tenant's services. */
  data: string;
  /** Spark jobs' driver output and scratch: `<jobs>/<tenant>/<service>/<id>`. */
  jobs: string;
}

/**
 * FLOTILLA_HOME, else ~/.flotilla — or /var/lib/flotilla for root, whose 0700 home folder no
 * tenant's task could pass through to its sandbox.
 */
export function defaultHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FLOTILLA_HOME) return path.resolve(env.FLOTILLA_HOME);
  return process.getuid?.() === 0 ? '/var/lib/flotilla' : path.join(os.homedir(), '.flotilla');
}

export function pathsFor(home: string): Paths {
  return {
    home,
    db: path.join(home, 'state', 'flotilla.db'),
    sandboxes: path.join(home, 'sandboxes'),
    logs: path.join(home, 'logs'),
    daemonInfo: path.join(home, 'daemon.json'),
    daemonLock: path.join(home, 'daemon.lock'),
    artifacts: path.join(home, 'artifacts'),
    data: path.join(home, 'data'),
    jobs: path.join(home, 'jobs'),
  };
}

/** A task's sandbox: stable per tenant, owner and instance, so its data survives restarts. */
export function sandboxPath(paths: Paths, tenant: string, owner: string, name: string): string {
  return path.join(paths.sandboxes, tenant, owner, name);
}

/**
 * A tenant's data folder: every task of the tenant gets it as FLOTILLA_DATA, and jobs read from and
 * write to it. On one machine every virtual node sees the same file system, so it is one folder.
 */
export function tenantDataPath(paths: Paths, tenant: string): string {
  return path.join(paths.data, tenant);
}

/** Where one job keeps its driver's output (driver.log), exit status and scratch. */
export function jobPath(paths: Paths, tenant: string, service: string, id: string): string {
  return path.join(paths.jobs, tenant, service, id);
}
