import type { FlotillaClient } from '../client/client.js';
import type { ServiceView, StackView, TaskView } from '../core/api-schemas.js';
import { FlotillaError } from '../core/errors.js';
import { readyCount } from './format.js';
import { sleep, spinner } from './output.js';

/** Marathon gives up on a task after this many failed launches in a row; so do we. */
export const MAX_RESTARTS = 3;

export type Verdict = { kind: 'ready' } | { kind: 'waiting' } | { kind: 'failed'; task: TaskView };

/** A task that keeps failing, or a one-shot task that failed and, by its restart policy, stays so. */
function gaveUp(t: TaskView): boolean {
  return t.desired === 'running' && t.state === 'failed' && (t.restarts >= MAX_RESTARTS || t.ended === true);
}

/**
 * How long a task that is not restarted (Compose's `restart: "no"`) must have run before `up --wait`
 * counts it: a one-shot that fails at once must fail the wait, as `docker compose up --wait` does.
 */
export const SETTLE_MS = 1000;

/**
 * Whether `up --wait` is done. A stack with nothing to run is ready: there is nothing to wait for.
 */
export function stackVerdict(stack: StackView, now = Date.now()): Verdict {
  const failed = stack.tasks.find(gaveUp);
  if (failed) return { kind: 'failed', task: failed };
  const settling = stack.tasks.some(
    (t) => t.restart !== undefined && t.state === 'running' && now - Date.parse(t.stateSince) < SETTLE_MS,
  );
  if ((stack.status === 'ready' || stack.status === 'stopped') && !settling) return { kind: 'ready' };
  return { kind: 'waiting' };
}

export interface WaitOutcome {
  stack: StackView;
  verdict: Verdict | { kind: 'timeout' };
}

export async function waitForStack(
  client: FlotillaClient,
  name: string,
  timeoutMs: number,
): Promise<WaitOutcome> {
  const deadline = Date.now() + timeoutMs;
  const spin = spinner(`waiting for stack ${name}`);
  try {
    for (;;) {
      const stack = await client.getStack(name);
      const verdict = stackVerdict(stack);
      if (verdict.kind !== 'waiting') return { stack, verdict };
      if (Date.now() >= deadline) return { stack, verdict: { kind: 'timeout' } };
      const queued = stack.waiting.map((w) => `${w.name} waits (${w.kind}): ${w.reason}`).join('; ');
      spin.update(
        `waiting for stack ${name}: ${readyCount(stack.tasks)} tasks ready (${stack.status})${queued ? `; ${queued}` : ''}`,
      );
      await sleep(100);
    }
  } finally {
    spin.stop();
  }
}

/** Waits until no task of the stack is left (they are forgotten once stopped); returns the rest. */
export async function waitForNoTasks(
  client: FlotillaClient,
  stack: string,
  timeoutMs: number,
): Promise<TaskView[]> {
  const deadline = Date.now() + timeoutMs;
  const spin = spinner(`stopping the tasks of stack ${stack}`);
  try {
    for (;;) {
      const left = await client.listTasks({ stack });
      if (left.length === 0 || Date.now() >= deadline) return left;
      spin.update(`stopping the tasks of stack ${stack}: ${left.length} left`);
      await sleep(100);
    }
  } finally {
    spin.stop();
  }
}

/** Waits until a service is ready, a task of it fails for good, or the time is up. */
export async function waitForService(
  client: FlotillaClient,
  name: string,
  timeoutMs: number,
): Promise<{ service: ServiceView; verdict: Verdict | { kind: 'timeout' } }> {
  const deadline = Date.now() + timeoutMs;
  const spin = spinner(`waiting for service ${name}`);
  try {
    for (;;) {
      const service = await client.getService(name).catch(async (err: unknown) => {
        // Not admitted by the scheduler yet: it waits in the queue, and so do we.
        const queued = (await client.listWaiting()).find((w) => w.owner === name);
        if (!queued) throw err;
        return null;
      });
      if (!service) {
        if (Date.now() >= deadline)
          throw new FlotillaError('WAIT_TIMEOUT', `service ${name} still waits for the scheduler`);
        spin.update(`service ${name} waits for the scheduler (\`flotilla queue\` says why)`);
        await sleep(500);
        continue;
      }
      if (service.status === 'ready') return { service, verdict: { kind: 'ready' } };
      const failed = service.tasks.find(gaveUp);
      if (failed) return { service, verdict: { kind: 'failed', task: failed } };
      if (Date.now() >= deadline) return { service, verdict: { kind: 'timeout' } };
      spin.update(
        `waiting for service ${name}: ${readyCount(service.tasks)} tasks ready (${service.status})`,
      );
      await sleep(200);
    }
  } finally {
    spin.stop();
  }
}
