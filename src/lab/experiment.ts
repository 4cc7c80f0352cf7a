import { FlotillaError, isFlotillaError } from '../core/errors.js';
import { FAULT_KINDS, type FaultRequest } from '../core/fault.js';
import { checkFaultRequest } from '../core/fault-check.js';
import { parseCassandraWorkload, type CassandraWorkload } from './cassandra/options.js';
import { parseKafkaWorkload, type KafkaWorkload } from './kafka/options.js';

/**
 * An experiment file (docs/failure-lab.md#the-experiment-file): a stack, a workload, a fault
 * schedule (Jepsen's nemesis) and checkers. Read here, checked field by field, before anything runs.
 */
export interface Experiment {
  name: string;
  /** A stack file to bring up (relative to the experiment file), or an existing stack by name. */
  stack: { file: string } | { name: string };
  durationS: number;
  workload: Workload;
  nemesis: NemesisStep[];
  checkers: Checker[];
}

export type Workload =
  /** SET of a fresh key per operation (and a GET of it), on a Redis service's primary. */
  | { kind: 'redis'; service: string; rate: number }
  /** A program run once per operation: exit 0 is ok, anything else a failure. */
  | { kind: 'command'; command: string[]; rate: number; timeoutS: number }
  /** Kafka's own Java producer (acks, idempotence as asked), values 0, 1, 2… over keyed partitions. */
  | KafkaWorkload
  /** Writes of fresh keys and reads of acknowledged ones at one consistency level (DataStax driver). */
  | CassandraWorkload;

/** At a fixed time, or every N seconds from `start`; `durationS` heals each fault it injects. */
export type NemesisStep =
  | { at: number; fault: FaultRequest; durationS?: number }
  | { every: number; start: number; fault: FaultRequest; durationS?: number };

export type Checker =
  /** Every acknowledged SET is readable at the end; the lost ones are counted and listed. */
  | { kind: 'redis-lost-writes' }
  /** A program run after the workload, with the history's path as its last argument: exit 0 passes. */
  | { kind: 'command'; command: string[]; timeoutS: number }
  /** Kafka: every acknowledged message read back exactly once, each partition in the order sent. */
  | { kind: 'kafka-acknowledged' }
  /** Cassandra: every acknowledged write read back at QUORUM; lost writes and stale reads counted. */
  | { kind: 'cassandra-acknowledged' };

export type Obj = Record<string, unknown>;

export function bad(field: string, why: string): FlotillaError {
  return new FlotillaError('EXPERIMENT_INVALID', `${field}: ${why}`, { field });
}

export function obj(v: unknown, field: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(field, 'must be a mapping');
  return v as Obj;
}

export function only(o: Obj, field: string, keys: string[]): void {
  for (const k of Object.keys(o))
    if (!keys.includes(k)) throw bad(`${field}.${k}`, `unknown key (known: ${keys.join(', ')})`);
}

export function num(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max)
    throw bad(field, `must be a number from ${min} to ${max}`);
  return v;
}

export function str(v: unknown, field: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 200)
    throw bad(field, 'must be a non-empty string');
  return v;
}

function argv(v: unknown, field: string): string[] {
  if (!Array.isArray(v) || v.length === 0 || v.some((a) => typeof a !== 'string'))
    throw bad(field, 'must be a list of strings: the program and its arguments (no shell reads it)');
  return v as string[];
}

export function parseExperiment(data: unknown): Experiment {
  const o = obj(data, 'experiment');
  only(o, 'experiment', ['name', 'stack', 'durationS', 'workload', 'nemesis', 'checkers']);
  const name = str(o.name, 'name');
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(name)) throw bad('name', 'lower-case letters, digits and dashes');
  const s = obj(o.stack, 'stack');
  only(s, 'stack', ['file', 'name']);
  if ((s.file === undefined) === (s.name === undefined)) throw bad('stack', 'give either file or name');
  const stack =
    s.file !== undefined ? { file: str(s.file, 'stack.file') } : { name: str(s.name, 'stack.name') };
  const durationS = num(o.durationS, 'durationS', 1, 3600);
  const workload = parseWorkload(obj(o.workload, 'workload'));
  const checkers = list(o.checkers, 'checkers').map((c, i) =>
    parseChecker(obj(c, `checkers[${i}]`), `checkers[${i}]`),
  );
  for (const service of ['kafka', 'cassandra'] as const) {
    const i = checkers.findIndex((c) => c.kind === `${service}-acknowledged`);
    if (i >= 0 && workload.kind !== service)
      throw bad(
        `checkers[${i}].kind`,
        `${service}-acknowledged checks a ${service} workload: set workload.kind to ${service}`,
      );
  }
  return {
    name,
    stack,
    durationS,
    workload,
    nemesis: (o.nemesis === undefined ? [] : list(o.nemesis, 'nemesis')).map((n, i) =>
      parseStep(obj(n, `nemesis[${i}]`), `nemesis[${i}]`, durationS),
    ),
    checkers,
  };
}

function list(v: unknown, field: string): unknown[] {
  if (!Array.isArray(v) || v.length === 0) throw bad(field, 'must be a non-empty list');
  if (v.length > 100) throw bad(field, 'at most 100 entries');
  return v;
}

function parseWorkload(w: Obj): Workload {
  const kind = w.kind;
  const rate = w.rate === undefined ? 20 : num(w.rate, 'workload.rate', 0.1, 1000);
  if (kind === 'redis') {
    only(w, 'workload', ['kind', 'service', 'rate']);
    return { kind, service: str(w.service, 'workload.service'), rate };
  }
  if (kind === 'command') {
    only(w, 'workload', ['kind', 'command', 'rate', 'timeoutS']);
    const timeoutS = w.timeoutS === undefined ? 10 : num(w.timeoutS, 'workload.timeoutS', 0.1, 600);
    return { kind, command: argv(w.command, 'workload.command'), rate, timeoutS };
  }
  if (kind === 'kafka') return parseKafkaWorkload(w, w.rate === undefined ? 100 : rate);
  if (kind === 'cassandra') return parseCassandraWorkload(w, w.rate === undefined ? 100 : rate);
  throw bad('workload.kind', 'must be redis, kafka, cassandra or command');
}

function parseStep(n: Obj, field: string, durationS: number): NemesisStep {
  only(n, field, ['at', 'every', 'start', 'fault', 'durationS']);
  const f = obj(n.fault, `${field}.fault`);
  if (!FAULT_KINDS.includes(f.kind as never))
    throw bad(`${field}.fault.kind`, `must be one of ${FAULT_KINDS.join(', ')}`);
  const fault = f as unknown as FaultRequest;
  const heal =
    n.durationS === undefined ? {} : { durationS: num(n.durationS, `${field}.durationS`, 0.1, 3600) };
  if ((n.at === undefined) === (n.every === undefined)) throw bad(field, 'give either at or every');
  const step: NemesisStep =
    n.at !== undefined
      ? { at: num(n.at, `${field}.at`, 0, durationS), fault, ...heal }
      : {
          every: num(n.every, `${field}.every`, 0.5, 3600),
          start: n.start === undefined ? 0 : num(n.start, `${field}.start`, 0, durationS),
          fault,
          ...heal,
        };
  try {
    checkFaultRequest(fault);
  } catch (err) {
    // The daemon's own check, here before anything runs: `nemesis[0].fault.pick: …`.
    if (!isFlotillaError(err)) throw err;
    const inner = (err.details as { field?: string } | undefined)?.field;
    throw bad(`${field}.fault${inner ? `.${inner}` : ''}`, err.message.replace(/^[\w.]+: /, ''));
  }
  return step;
}

function parseChecker(c: Obj, field: string): Checker {
  if (c.kind === 'redis-lost-writes') {
    only(c, field, ['kind']);
    return { kind: 'redis-lost-writes' };
  }
  if (c.kind === 'command') {
    only(c, field, ['kind', 'command', 'timeoutS']);
    const timeoutS = c.timeoutS === undefined ? 60 : num(c.timeoutS, `${field}.timeoutS`, 0.1, 3600);
    return { kind: 'command', command: argv(c.command, `${field}.command`), timeoutS };
  }
  if (c.kind === 'kafka-acknowledged' || c.kind === 'cassandra-acknowledged') {
    only(c, field, ['kind']);
    return { kind: c.kind };
  }
  throw bad(
    `${field}.kind`,
    'must be redis-lost-writes, kafka-acknowledged, cassandra-acknowledged or command',
  );
}
