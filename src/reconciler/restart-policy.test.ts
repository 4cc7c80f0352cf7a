import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BACKOFF_DEFAULTS, type RestartPolicy } from '../core/task.js';
import { BACKOFF_RESET_MS, restartDecision, type Ending, type RunEnd } from './restart-policy.js';

const backoff = { backoffSeconds: 1, backoffFactor: 2, maxLaunchDelaySeconds: 10 };

function end(ending: Ending, over: Partial<RunEnd> = {}): RunEnd {
  return { restart: undefined, backoff, restarts: 0, ranMs: 1000, ending, ...over };
}

const exit = (exitCode: number | null): Ending => ({ by: 'exit', exitCode });

describe('restartDecision', () => {
  it("relaunches after any exit by default ('always'), finished after status 0, the first at once", () => {
    assert.deepEqual(restartDecision(end(exit(0))), {
      action: 'relaunch',
      state: 'finished',
      delayMs: 0,
      restarts: 1,
    });
    assert.deepEqual(restartDecision(end(exit(3), { restart: 'always' })), {
      action: 'relaunch',
      state: 'failed',
      delayMs: 0,
      restarts: 1,
    });
    // The second failure in a row waits the first backoff delay.
    assert.deepEqual(restartDecision(end(exit(3), { restarts: 1 })), {
      action: 'relaunch',
      state: 'failed',
      delayMs: 1000,
      restarts: 2,
    });
    // Killed by a signal, or adopted with an unknown status: no exit code, a failure.
    assert.equal(restartDecision(end(exit(null))).state, 'failed');
  });

  it("'no' ends the task after any exit, as finished or failed", () => {
    assert.deepEqual(restartDecision(end(exit(0), { restart: 'no' })), {
      action: 'end',
      state: 'finished',
      policy: 'no',
    });
    assert.deepEqual(restartDecision(end(exit(1), { restart: 'no' })), {
      action: 'end',
      state: 'failed',
      policy: 'no',
    });
    assert.deepEqual(restartDecision(end(exit(null), { restart: 'no' })), {
      action: 'end',
      state: 'failed',
      policy: 'no',
    });
  });

  it("'on-failure' ends after status 0 and relaunches after anything else", () => {
    assert.deepEqual(restartDecision(end(exit(0), { restart: 'on-failure' })), {
      action: 'end',
      state: 'finished',
      policy: 'on-failure',
    });
    assert.deepEqual(restartDecision(end(exit(2), { restart: 'on-failure', restarts: 2 })), {
      action: 'relaunch',
      state: 'failed',
      delayMs: 2000,
      restarts: 3,
    });
    assert.equal(restartDecision(end(exit(null), { restart: 'on-failure' })).action, 'relaunch');
  });

  it('a stop on purpose is recorded as the stop says, whatever the policy', () => {
    for (const restart of ['always', 'on-failure', 'no', undefined] as (RestartPolicy | undefined)[]) {
      assert.deepEqual(restartDecision(end({ by: 'stop', state: 'killed' }, { restart, restarts: 4 })), {
        action: 'stop',
        state: 'killed',
      });
    }
  });

  it('a health kill relaunches as failed, even under a policy that would end the task', () => {
    for (const restart of ['always', 'on-failure', 'no'] as RestartPolicy[]) {
      assert.deepEqual(restartDecision(end({ by: 'health' }, { restart, restarts: 1 })), {
        action: 'relaunch',
        state: 'failed',
        delayMs: 1000,
        restarts: 2,
      });
    }
  });

  it('a launch that failed relaunches whatever the policy, and never resets the backoff', () => {
    assert.deepEqual(restartDecision(end({ by: 'launch' }, { restart: 'no', restarts: 3, ranMs: 0 })), {
      action: 'relaunch',
      state: 'failed',
      delayMs: 8000,
      restarts: 4,
    });
    const long = restartDecision(end({ by: 'launch' }, { restarts: 3, ranMs: BACKOFF_RESET_MS }));
    assert.equal(long.action === 'relaunch' && long.restarts, 4);
  });

  it('a run of BACKOFF_RESET_MS or more starts the backoff afresh', () => {
    // restarts 5 → next delay 1s·2^4 = 16s, capped at 10s; after a long run: restarts 1, at once.
    const short = restartDecision(end(exit(1), { restarts: 5, ranMs: BACKOFF_RESET_MS - 1 }));
    assert.deepEqual(short, { action: 'relaunch', state: 'failed', delayMs: 10_000, restarts: 6 });
    const long = restartDecision(end(exit(1), { restarts: 5, ranMs: BACKOFF_RESET_MS }));
    assert.deepEqual(long, { action: 'relaunch', state: 'failed', delayMs: 0, restarts: 1 });
    const healthKill = restartDecision(end({ by: 'health' }, { restarts: 5, ranMs: BACKOFF_RESET_MS }));
    assert.deepEqual(healthKill, { action: 'relaunch', state: 'failed', delayMs: 0, restarts: 1 });
  });

  it("follows Marathon's backoff with the default settings", () => {
    // At once, then 1s · 1.15^(n-1), rounded to the ms: 1000, 1150, 1322 (1.15² is 1.32249… in floating point).
    const delays = [0, 1, 2, 3].map((restarts) => {
      const d = restartDecision(end(exit(1), { backoff: BACKOFF_DEFAULTS, restarts }));
      return d.action === 'relaunch' ? d.delayMs : -1;
    });
    assert.deepEqual(delays, [0, 1000, 1150, 1322]);
  });
});
