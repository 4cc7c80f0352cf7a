import type { FlotillaClient } from '../client/client.js';
import { FlotillaError } from '../core/errors.js';
import type { PlanView } from '../core/plan-schemas.js';
import { sleep } from './output.js';

const POLL_MS = 1000;

/**
 * Follows a plan until it is COMPLETE, printing each step's progress as it changes (unless `quiet`).
 * A plan that ends in ERROR, or is stopped, rejects with PLAN_FAILED; one still under way after
 * `timeoutMs` with WAIT_TIMEOUT. Either way the plan itself goes on (or waits for `continue`).
 */
export async function followPlan(
  client: FlotillaClient,
  service: string,
  plan: string,
  timeoutMs: number,
  quiet: boolean,
): Promise<PlanView> {
  const started = Date.now();
  const seen = new Map<string, string>();
  for (;;) {
    const p = await client.getPlan(service, plan);
    if (!quiet) {
      for (const phase of p.phases) {
        for (const step of phase.steps) {
          const key = `${phase.name}/${step.name}`;
          const now = `${step.status}${step.message ? `: ${step.message}` : ''}`;
          if (step.status !== 'PENDING' && seen.get(key) !== now) {
            seen.set(key, now);
            const at = Math.round((Date.now() - started) / 1000);
            process.stdout.write(`[${String(at).padStart(4)}s] ${key} ${now}\n`);
          }
        }
      }
    }
    if (p.status === 'COMPLETE') return p;
    if (p.status === 'ERROR' || p.status === 'WAITING') {
      throw new FlotillaError(
        'PLAN_FAILED',
        p.status === 'ERROR'
          ? `plan ${plan} of ${service} failed: ${p.errors.join('; ') || 'a step failed'}`
          : `plan ${plan} of ${service} is WAITING (stopped, or interrupted by a daemon restart): ` +
              `\`flotilla plan continue ${service} ${plan}\` resumes it`,
      );
    }
    if (Date.now() - started >= timeoutMs) {
      throw new FlotillaError(
        'WAIT_TIMEOUT',
        `plan ${plan} of ${service} is still ${p.status} after ${Math.round(timeoutMs / 1000)} s; ` +
          `it goes on: \`flotilla plan show ${service} ${plan}\``,
      );
    }
    await sleep(POLL_MS);
  }
}
