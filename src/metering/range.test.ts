import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FlotillaError } from '../core/errors.js';
import { DEFAULT_SPAN_MS, parseInstant, resolveRange } from './range.js';

const invalid = (pattern: RegExp) => (err: FlotillaError) =>
  err.code === 'VALIDATION_FAILED' && err.status === 400 && pattern.test(err.message);

describe('usage ranges', () => {
  it('reads epoch milliseconds and ISO 8601 with a zone', () => {
    assert.equal(parseInstant('1714521600000', 'from'), 1714521600000);
    assert.equal(parseInstant('2024-05-01T00:00:00Z', 'from'), 1714521600000);
    assert.equal(parseInstant('2024-05-01T02:00+02:00', 'from'), 1714521600000);
    assert.equal(parseInstant('2024-05-01', 'from'), 1714521600000);
  });

  it('refuses what is not a time, and a time of day without a zone, saying what to give', () => {
    assert.throws(() => parseInstant('yesterday', 'from'), invalid(/^from: "yesterday" is not a time; give/));
    assert.throws(() => parseInstant('2024-05-01T09:00', 'to'), invalid(/^to: .*with a zone/));
    assert.throws(() => parseInstant('2024-13-45T00:00Z', 'to'), invalid(/^to: /));
    assert.throws(() => parseInstant('-5', 'to'), invalid(/^to: /));
  });

  it('defaults to the day before now', () => {
    assert.deepEqual(resolveRange({}, 5 * DEFAULT_SPAN_MS), {
      from: 4 * DEFAULT_SPAN_MS,
      to: 5 * DEFAULT_SPAN_MS,
    });
    assert.deepEqual(resolveRange({ to: '1000' }, 99_999), { from: 1000 - DEFAULT_SPAN_MS, to: 1000 });
    assert.deepEqual(resolveRange({ from: '7' }, 99_999), { from: 7, to: 99_999 });
  });

  it('accepts an empty range and refuses one that ends before it starts', () => {
    assert.deepEqual(resolveRange({ from: '5', to: '5' }, 0), { from: 5, to: 5 });
    assert.throws(
      () => resolveRange({ from: '2024-05-02', to: '2024-05-01' }, 0),
      invalid(/from \(2024-05-02T00:00:00\.000Z\) is after to \(2024-05-01T00:00:00\.000Z\); give a from/),
    );
  });
});
