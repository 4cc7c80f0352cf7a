import { openDb, type Db } from './db.js';
import { appsStore } from './store-apps.js';
import { eventsStore } from './store-events.js';
import { servicesStore } from './store-services.js';
import { stacksStore } from './store-stacks.js';
import { tasksStore } from './store-tasks.js';
import { tenantsStore, tokensStore } from './store-tenants.js';
import { queueStore } from './store-queue.js';
import { plansStore } from './store-plans.js';
import { jobsStore } from './store-jobs.js';
import { usageStore } from './store-usage.js';
import { sharesStore } from './store-shares.js';
import { faultsStore } from './store-faults.js';
import { Revision } from './revision.js';

/** The state store: one module per resource over one SQLite database. */
export function createStore(file: string) {
  const db: Db = openDb(file);
  const revision = new Revision();
  return {
    db,
    /** Moves with every write of a task, app, service or queue entry: what the console's lists show. */
    revision,
    stacks: stacksStore(db),
    services: servicesStore(db, revision),
    apps: appsStore(db, revision),
    tasks: tasksStore(db, usageStore(db), revision),
    events: eventsStore(db),
    tenants: tenantsStore(db),
    tokens: tokensStore(db),
    queue: queueStore(db, revision),
    plans: plansStore(db),
    jobs: jobsStore(db),
    shares: sharesStore(db),
    faults: faultsStore(db),
    /** Read-only for callers: the tasks store writes usage intervals as tasks change. */
    usage: usageStore(db),
    /** Runs `fn` in one transaction: all of its writes land, or none do. */
    atomically<T>(fn: () => T): T {
      return db.transaction(fn)();
    },
    close(): void {
      db.close();
    },
  };
}

export type Store = ReturnType<typeof createStore>;
