import { FlotillaError } from './errors.js';
import { FAULT_KINDS, FAULT_LIMITS, type FaultRequest } from './fault.js';

const NETWORK = new Set(['partition', 'isolate', 'loss', 'delay', 'bandwidth']);
/** Fields only one kind reads: named in another kind's request, they are refused rather than ignored. */
const ONLY: Record<string, string> = {
  rateKbit: 'bandwidth',
  mode: 'disk',
  rateKBps: 'disk',
  offsetS: 'clock',
  probability: 'loss',
  delayMs: 'delay',
  jitterMs: 'delay',
};

/** Refuses a request that can never work, naming the field; the API schema has checked the types. */
export function checkFaultRequest(req: FaultRequest): void {
  const bad = (field: string, why: string) =>
    new FlotillaError('FAULT_INVALID', `${field}: ${why}`, { field });
  if (!FAULT_KINDS.includes(req.kind)) throw bad('kind', `must be one of ${FAULT_KINDS.join(', ')}`);
  if (req.durationS !== undefined && !(req.durationS > 0 && req.durationS <= FAULT_LIMITS.maxDurationS))
    throw bad('durationS', `must be more than 0 and at most ${FAULT_LIMITS.maxDurationS}`);
  for (const [field, kind] of Object.entries(ONLY))
    if ((req as unknown as Record<string, unknown>)[field] !== undefined && req.kind !== kind)
      throw bad(field, `only a ${kind} fault takes ${field}`);
  if (req.leaderOf !== undefined && req.pick !== 'leader')
    throw bad('leaderOf', 'names whose leader pick: leader hits; set pick: leader');
  if (req.kind === 'kill' || req.kind === 'pause' || req.kind === 'clock' || req.kind === 'disk') {
    if (!req.service && !(req.tasks && req.tasks.length > 0)) throw bad('service', 'name a service or tasks');
    if (req.kind !== 'kill' && req.signal) throw bad('signal', 'only a kill takes a signal');
    if (
      req.kind === 'clock' &&
      !(req.offsetS !== undefined && Number.isInteger(req.offsetS) && req.offsetS !== 0)
    )
      throw bad(
        'offsetS',
        `a clock skew needs offsetS: whole seconds, not 0, at most ${FAULT_LIMITS.maxOffsetS} either way`,
      );
    if (req.kind === 'clock' && Math.abs(req.offsetS!) > FAULT_LIMITS.maxOffsetS)
      throw bad('offsetS', `at most ${FAULT_LIMITS.maxOffsetS} seconds either way`);
    if (req.kind === 'disk' && req.mode !== undefined && req.mode !== 'full' && req.mode !== 'slow')
      throw bad('mode', 'full (no space left, the default) or slow (throttled to rateKBps)');
    if (
      req.kind === 'disk' &&
      req.mode === 'slow' &&
      !wholeWithin(req.rateKBps, FAULT_LIMITS.minDiskKBps, FAULT_LIMITS.maxDiskKBps)
    )
      throw bad(
        'rateKBps',
        `a slow disk needs rateKBps: whole kilobytes per second, ${FAULT_LIMITS.minDiskKBps} to ${FAULT_LIMITS.maxDiskKBps}`,
      );
    if (req.kind === 'disk' && req.mode !== 'slow' && req.rateKBps !== undefined)
      throw bad('rateKBps', 'only a slow disk (mode: slow) takes rateKBps');
    return;
  }
  if (req.fromNodes !== undefined || req.toNodes !== undefined) {
    if (req.from || req.to)
      throw bad('from', 'name tasks (from, to) or nodes (fromNodes, toNodes), not both');
    if (!req.fromNodes || req.fromNodes.length === 0)
      throw bad('fromNodes', 'name the node(s) on the first side');
    if (req.kind === 'isolate') {
      if (req.fromNodes.length !== 1) throw bad('fromNodes', 'isolate cuts off one node: name exactly one');
      if (req.toNodes && req.toNodes.length > 0)
        throw bad('toNodes', 'isolate cuts a node off from all others');
    } else if (!req.toNodes || req.toNodes.length === 0)
      throw bad('toNodes', 'name the node(s) on the other side');
    for (const n of req.toNodes ?? [])
      if (req.fromNodes.includes(n)) throw bad('toNodes', `${n} is on both sides`);
  } else if (NETWORK.has(req.kind) && req.service !== undefined && req.from === undefined) {
    // The picked task(s) on one side, the rest of the service (isolate: of its stack) on the other.
    if (req.tasks) throw bad('tasks', 'a network fault names its sides: from and to, or service and pick');
    if (req.to) throw bad('to', 'with service, the other side is the rest of the service');
    const pick = req.pick ?? 'random';
    if (pick === 'all') throw bad('pick', 'all of a service leaves nobody on the other side');
    if (req.kind === 'isolate' && pick === 'majority')
      throw bad('pick', 'isolate cuts off one task: pick one, random or leader');
  } else if (NETWORK.has(req.kind)) {
    if (req.service !== undefined) throw bad('service', 'name the sides (from, to) or a service, not both');
    if (!req.from || req.from.length === 0)
      throw bad('from', 'name the task(s) on the first side, or a service to pick them from');
    if (req.kind === 'isolate') {
      if (req.from.length !== 1) throw bad('from', 'isolate cuts off one task: name exactly one');
      if (req.to && req.to.length > 0) throw bad('to', 'isolate cuts a task off from the rest of its stack');
    } else if (!req.to || req.to.length === 0) throw bad('to', 'name the task(s) on the other side');
    const both = new Set(req.from);
    for (const t of req.to ?? []) if (both.has(t)) throw bad('to', `${t} is on both sides`);
  }
  if (req.kind === 'loss' && !(req.probability !== undefined && req.probability > 0 && req.probability <= 1))
    throw bad('probability', 'a loss needs a probability more than 0 and at most 1');
  if (
    req.kind === 'bandwidth' &&
    !wholeWithin(req.rateKbit, FAULT_LIMITS.minRateKbit, FAULT_LIMITS.maxRateKbit)
  )
    throw bad(
      'rateKbit',
      `a bandwidth limit needs rateKbit: whole kilobits per second, ${FAULT_LIMITS.minRateKbit} to ${FAULT_LIMITS.maxRateKbit}`,
    );
  if (req.kind === 'delay') {
    if (!(req.delayMs !== undefined && req.delayMs > 0 && req.delayMs <= FAULT_LIMITS.maxDelayMs))
      throw bad('delayMs', `a delay needs delayMs, more than 0 and at most ${FAULT_LIMITS.maxDelayMs}`);
    if (req.jitterMs !== undefined && !(req.jitterMs >= 0 && req.jitterMs <= req.delayMs))
      throw bad('jitterMs', 'must be between 0 and delayMs');
  }
}

/** A whole number from `min` to `max` (a rate a fault needs). */
function wholeWithin(n: number | undefined, min: number, max: number): boolean {
  return n !== undefined && Number.isInteger(n) && n >= min && n <= max;
}
