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
  };
}

/** A task's sandbox: stable per tenant, owner and instance, so its data survives restarts. */
export function sandboxPath(paths: Paths, tenant: string, owner: string, name: string): string {
  return path.join(paths.sandboxes, tenant, owner, name);
}
