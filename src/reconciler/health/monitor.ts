import type { HealthCheckSpec, HealthResult } from '../../core/health.js';
import type { CheckTarget } from './checker.js';
import { runCheck } from './index.js';

export interface HealthReport {
  key: string;
  launchId: string;
  /** All checks passed on their latest probe. */
  healthy: boolean;
  /** Highest count of consecutive failures among the checks. */
  failures: number;
  /** A check reached its maxConsecutiveFailures (and failures are no longer excused by the grace period). */
  exhausted: boolean;
  message: string;
}

interface Watch {
  launchId: string;
  startedAt: number;
  everHealthy: boolean;
  timers: NodeJS.Timeout[];
  last: (HealthResult | null)[];
  consecutive: number[];
}

/**
 * Until a task first passes, probe it often, so "healthy" is seen soon after it really is: a probe
 * over a socket costs little (a refused connect while the task starts), a COMMAND check starts a
 * process each time. The first probe runs at once: a fast task (Redis) is up within milliseconds.
 */
const EAGER_INTERVAL_MS = 25;
const EAGER_COMMAND_INTERVAL_MS = 100;

function eagerInterval(spec: HealthCheckSpec): number {
  const eager = spec.protocol === 'COMMAND' ? EAGER_COMMAND_INTERVAL_MS : EAGER_INTERVAL_MS;
  return Math.min(eager, spec.intervalSeconds * 1000);
}

/** Runs every health check of every live task on its own timer and reports each probe. */
export class HealthMonitor {
  private readonly watches = new Map<string, Watch>();

  constructor(private readonly report: (r: HealthReport) => void) {}

  start(
    key: string,
    launchId: string,
    startedAt: number,
    checks: HealthCheckSpec[],
    target: CheckTarget,
    everHealthy = false,
  ): void {
    this.stop(key);
    if (checks.length === 0) return;
    const watch: Watch = {
      launchId,
      startedAt,
      everHealthy,
      timers: [],
      last: checks.map(() => null),
      consecutive: checks.map(() => 0),
    };
    this.watches.set(key, watch);
    checks.forEach((spec, i) => this.schedule(key, watch, spec, i, target, 0));
  }

  stop(key: string): void {
    const watch = this.watches.get(key);
    if (!watch) return;
    for (const t of watch.timers) clearTimeout(t);
    this.watches.delete(key);
  }

  stopAll(): void {
    for (const key of [...this.watches.keys()]) this.stop(key);
  }

  private schedule(
    key: string,
    watch: Watch,
    spec: HealthCheckSpec,
    i: number,
    target: CheckTarget,
    delayMs: number,
  ): void {
    const timer = setTimeout(() => void this.probe(key, watch, spec, i, target), delayMs);
    timer.unref();
    watch.timers[i] = timer;
  }

  private async probe(
    key: string,
    watch: Watch,
    spec: HealthCheckSpec,
    i: number,
    target: CheckTarget,
  ): Promise<void> {
    const result = await runCheck(spec, target);
    if (this.watches.get(key) !== watch) return;
    watch.last[i] = result;
    watch.consecutive[i] = result.ok ? 0 : watch.consecutive[i]! + 1;
    const healthy = watch.last.every((r) => r?.ok === true);
    if (healthy) watch.everHealthy = true;
    const inGrace = !watch.everHealthy && Date.now() - watch.startedAt < spec.gracePeriodSeconds * 1000;
    const failures = Math.max(...watch.consecutive);
    const failing = watch.last.find((r) => r && !r.ok);
    this.report({
      key,
      launchId: watch.launchId,
      healthy,
      failures: inGrace ? 0 : failures,
      exhausted:
        !inGrace && spec.maxConsecutiveFailures > 0 && watch.consecutive[i]! >= spec.maxConsecutiveFailures,
      message: failing?.message ?? (healthy ? 'healthy' : 'waiting for the first probe'),
    });
    const interval = watch.everHealthy ? spec.intervalSeconds * 1000 : eagerInterval(spec);
    this.schedule(key, watch, spec, i, target, interval);
  }
}
