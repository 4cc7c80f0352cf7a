import { FlotillaError } from '../core/errors.js';

/** Without `from`, a report covers the day before `to`. */
export const DEFAULT_SPAN_MS = 24 * 60 * 60 * 1000;

// A time of day needs a zone: the daemon's local time is nobody's business, least of all a bill's.
const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/i;
const EPOCH_MS = /^\d{1,16}$/;
const MAX_MS = 8.64e15;

/** An instant as the API accepts it: epoch milliseconds, or ISO 8601 with a zone (or a bare date, UTC). */
export function parseInstant(text: string, name: string): number {
  const value = text.trim();
  const ms = EPOCH_MS.test(value) ? Number(value) : ISO.test(value) ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms) || ms > MAX_MS) {
    throw new FlotillaError(
      'VALIDATION_FAILED',
      `${name}: "${text}" is not a time; give epoch milliseconds (1714521600000) or ISO 8601 with a zone (2024-05-01T00:00:00Z)`,
    );
  }
  return ms;
}

/** [from, to): `to` defaults to now, `from` to a day before `to`; from after to is refused. */
export function resolveRange(q: { from?: string; to?: string }, now: number): { from: number; to: number } {
  const to = q.to === undefined ? now : parseInstant(q.to, 'to');
  const from = q.from === undefined ? to - DEFAULT_SPAN_MS : parseInstant(q.from, 'from');
  if (from > to) {
    throw new FlotillaError(
      'VALIDATION_FAILED',
      `from (${new Date(from).toISOString()}) is after to (${new Date(to).toISOString()}); give a from at or before to`,
    );
  }
  return { from, to };
}
