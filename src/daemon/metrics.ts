import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { TASK_STATES } from '../core/task.js';
import type { Store } from '../state/store.js';

/** Prometheus metrics of the daemon: tasks per state (read from the store at scrape time) and restarts. */
export function createMetrics(store: Store) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'flotilla_daemon_' });
  new Gauge({
    name: 'flotilla_tasks',
    help: 'Tasks by state',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const counts = new Map<string, number>(TASK_STATES.map((s) => [s, 0]));
      for (const t of store.tasks.listAll()) counts.set(t.state, (counts.get(t.state) ?? 0) + 1);
      for (const [state, n] of counts) this.set({ state }, n);
    },
  });
  const restarts = new Counter({
    name: 'flotilla_task_failures_total',
    help: 'Task runs that ended in failure (exit, crash or failed health checks), by owner',
    labelNames: ['tenant', 'owner'],
    registers: [registry],
  });
  return { registry, restarts };
}
