import { getPackage } from '../catalog/registry.js';
import { ownerKey } from '../core/keys.js';
import type { Paths } from '../core/paths.js';
import { isTaskCurrent } from '../core/task.js';
import { endpointContext } from '../deploy/render-service.js';
import type { EventBus } from '../reconciler/events.js';
import type { Store } from '../state/store.js';

const ATTEMPTS = 5;

/**
 * Runs a package's post-ready step (Kafka creates the topics its stack declares) each time every task
 * of a service has become ready, retried a few times, one run per service at a time. Its outcome is
 * part of the service's status: `ready` waits for it, and its last failure is the service's message.
 */
export class PostReadySteps {
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    private readonly store: Store,
    private readonly paths: Paths,
    private readonly events: EventBus,
    private readonly log: (msg: string) => void,
    private readonly now: () => number = Date.now,
    private readonly retryDelayMs = (attempt: number) => 1000 * attempt,
  ) {}

  /**
   * Runs the pending steps of these services whose tasks are all ready already: a changed option
   * that restarts no task (a new Kafka topic), or a daemon that stopped before a step ran.
   */
  runPending(tenant: string, services: string[]): void {
    for (const name of services) {
      const s = this.store.services.get(tenant, name);
      if (s?.afterReady?.status !== 'pending') continue;
      const tasks = this.store.tasks.byOwner(tenant, name).filter((t) => t.desired === 'running');
      if (tasks.length > 0 && tasks.every(isTaskCurrent)) this.onOwnerReady(tenant, name);
    }
  }

  /** At start: every tenant's pending steps. */
  resume(): void {
    for (const t of this.store.tenants.list())
      this.runPending(
        t.name,
        this.store.services.list(t.name).map((s) => s.name),
      );
  }

  onOwnerReady(tenant: string, owner: string): void {
    const s = this.store.services.get(tenant, owner);
    if (!s) return;
    const pkg = getPackage(s.package, s.version);
    const step = pkg.afterReady?.bind(pkg);
    if (!step) return;
    const key = ownerKey(tenant, owner);
    const run = (this.running.get(key) ?? Promise.resolve()).then(async () => {
      for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
        const current = this.store.services.get(tenant, owner);
        if (!current) return;
        const tasks = this.store.tasks.byOwner(tenant, owner).filter((t) => t.desired === 'running');
        try {
          await step(endpointContext(this.paths, current, tasks));
          this.store.services.setAfterReady(tenant, owner, { status: 'done', message: null }, this.now());
          this.events.publish(tenant, 'service_ready', owner, { service: owner }, this.now());
          return;
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          const last = attempt === ATTEMPTS;
          this.log(`${key}: post-ready step failed (attempt ${attempt}/${ATTEMPTS}): ${message}`);
          this.store.services.setAfterReady(
            tenant,
            owner,
            { status: last ? 'failed' : (current.afterReady?.status ?? 'pending'), message },
            this.now(),
          );
          this.events.publish(
            tenant,
            'service_hook_failed',
            owner,
            { service: owner, message, attempt, final: last },
            this.now(),
          );
          if (!last) await new Promise((r) => setTimeout(r, this.retryDelayMs(attempt)));
        }
      }
    });
    this.running.set(key, run);
    void run.finally(() => {
      if (this.running.get(key) === run) this.running.delete(key);
    });
  }
}
