import type { FlotillaClient } from '../client/client.js';
import type { ServiceView, StackView, TaskView } from '../core/api-schemas.js';
import { FlotillaError } from '../core/errors.js';
import { readyCount } from './format.js';
import { Changes } from './changes.js';
import { sleep, spinner } from './output.js';

export type Verdict =
  { kind: 'ready' } | { kind: 'waiting' } | { kind: 'failed'; message: string; task: TaskView | undefined };

/**
 * Whether `up --wait` is done, read off the status the daemon decides (tasks that gave up, post-ready
 * steps, one-shot tasks settling). A stack with nothing to run is ready: there is nothing to wait for.
 */
export function verdictOf(view: Pick<StackView, 'status' | 'message' | 'tasks'>): Verdict {
  if (view.status === 'failing') {
    const task = view.tasks.find((t) => t.desired === 'running' && t.state === 'failed');
    return { kind: 'failed', message: view.message ?? 'failing', task };
  }
  if (view.status === 'ready' || view.status === 'stopped') return { kind: 'ready' };
  return { kind: 'waiting' };
}

/** The coded error of a wait that did not end ready: DEPLOY_FAILING with the daemon's reason, or a timeout. */
export function waitError(
  what: string,
  verdict: Exclude<Verdict, { kind: 'ready' }> | { kind: 'timeout' },
  timeoutSeconds: number,
  status: string,
): FlotillaError {
  if (verdict.kind === 'failed')
    return new FlotillaError(
      'DEPLOY_FAILING',
      `${what} is failing: ${verdict.message}` +
        (verdict.task ? `; see \`flotilla logs ${verdict.task.id} --stderr\`` : ''),
    );
  return new FlotillaError('WAIT_TIMEOUT', `${what} is not ready after ${timeoutSeconds} s (${status})`);
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
  const changes = await Changes.open(client);
  try {
    for (;;) {
      const stack = await client.getStack(name);
      const verdict = verdictOf(stack);
      if (verdict.kind !== 'waiting') return { stack, verdict };
      if (Date.now() >= deadline) return { stack, verdict: { kind: 'timeout' } };
      const queued = stack.waiting.map((w) => `${w.name} waits (${w.kind}): ${w.reason}`).join('; ');
      const why = stack.message ? `: ${stack.message}` : '';
      spin.update(
        `waiting for stack ${name}: ${readyCount(stack.tasks)} tasks ready (${stack.status}${why})${queued ? `; ${queued}` : ''}`,
      );
      await changes.next(deadline - Date.now());
    }
  } finally {
    changes.close();
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
  const changes = await Changes.open(client);
  try {
    for (;;) {
      const left = await client.listTasks({ stack });
      if (left.length === 0 || Date.now() >= deadline) return left;
      spin.update(`stopping the tasks of stack ${stack}: ${left.length} left`);
      await changes.next(deadline - Date.now());
    }
  } finally {
    changes.close();
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
      const verdict = verdictOf(service);
      if (verdict.kind !== 'waiting') return { service, verdict };
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
