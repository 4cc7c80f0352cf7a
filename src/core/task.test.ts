import assert from 'node:assert/strict';
import { it } from 'node:test';
import { BACKOFF_DEFAULTS, backoffDelayMs } from './task.js';

it('backs off as Marathon does: backoffSeconds × factor^(n-1), capped', () => {
  assert.equal(backoffDelayMs(BACKOFF_DEFAULTS, 0), 0);
  assert.equal(backoffDelayMs(BACKOFF_DEFAULTS, 1), 1000);
  assert.equal(backoffDelayMs(BACKOFF_DEFAULTS, 2), 1150);
  assert.ok(Math.abs(backoffDelayMs(BACKOFF_DEFAULTS, 3) - 1322.5) <= 1);
  assert.equal(backoffDelayMs(BACKOFF_DEFAULTS, 500), 300_000);
});
