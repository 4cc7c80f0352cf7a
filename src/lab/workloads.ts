import { spawn } from 'node:child_process';
import type { FlotillaClient } from '../client/client.js';
import type { ServiceView } from '../core/api-schemas.js';
import { FlotillaError } from '../core/errors.js';
import type { Workload } from './experiment.js';
import type { History } from './history.js';
import { Resp } from './resp.js';

/** A running workload: stop it, then read what it was acknowledged. */
export interface RunningWorkload {
  stop(): Promise<void>;
  /** The keys the service acknowledged, for redis-lost-writes (the other checkers read their own records). */
  acknowledged?: string[];
  /** Set by stop() when the workload itself broke (its program died): the run proves nothing. */
  failure?: string;
}

/** Starts the workload at its rate; each operation goes into the history as invoke, then ok/fail/info. */
export function startWorkload(w: Workload, h: History, env: { redisUrl?: string }): RunningWorkload {
  if (w.kind === 'kafka' || w.kind === 'cassandra')
    throw new FlotillaError('INTERNAL', `the ${w.kind} workload starts in ${w.kind}/workload.ts`);
  const acknowledged: string[] = [];
  let client: Resp | null = null;
  let n = 0;
  const one = async () => {
    if (w.kind === 'command') {
      const p = h.invoke('run');
      const code = await runProgram(w.command, w.timeoutS * 1000, []);
      if (code === 0) h.complete(p, 'ok', 'run');
      else h.complete(p, code === null ? 'info' : 'fail', 'run', undefined, `exit ${code ?? 'timeout'}`);
      return;
    }
    const key = `flotilla-lab:${n++}`;
    const p = h.invoke('write', key);
    try {
      client ??= await Resp.connect(env.redisUrl!, 1000);
      await client.call(['SET', key, key], 1000);
      acknowledged.push(key);
      h.complete(p, 'ok', 'write', key);
    } catch (err) {
      client?.close();
      client = null;
      // A write that timed out may or may not have happened: `info`, as Jepsen has it.
      const timedOut = String(err).includes('timed out');
      h.complete(p, timedOut ? 'info' : 'fail', 'write', key, String((err as Error).message ?? err));
    }
  };
  // One operation at a time for redis (one connection); commands may overlap up to 4.
  const pumping = pump(one, w.rate, w.kind === 'redis' ? 1 : 4);
  return {
    acknowledged,
    async stop() {
      await pumping.stop();
      client?.close();
    },
  };
}

/**
 * Starts `one` operation `rate` times a second, skipping a tick while `limit` are in flight (a
 * workload that cannot keep up runs slower; it never queues). `stop` waits for those in flight.
 */
export function pump(one: () => Promise<void>, rate: number, limit: number): { stop(): Promise<void> } {
  let stopped = false;
  const inflight = new Set<Promise<void>>();
  const timer = setInterval(() => {
    if (stopped || inflight.size >= limit) return;
    const op = one().finally(() => inflight.delete(op));
    inflight.add(op);
  }, 1000 / rate);
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await Promise.all([...inflight]);
    },
  };
}

/** The service a workload names, refused unless it is of the workload's package. */
export async function serviceOfPackage(
  client: FlotillaClient,
  name: string,
  pkg: string,
): Promise<ServiceView> {
  const service = await client.getService(name);
  if (service.package !== pkg)
    throw new FlotillaError(
      'EXPERIMENT_INVALID',
      `workload.service: ${name} is a ${service.package} service; name a ${pkg} one`,
      { field: 'workload.service' },
    );
  return service;
}

/** Runs a program (argument list, no shell): its exit code, or null when it timed out. */
export function runProgram(
  command: string[],
  timeoutMs: number,
  extraArgs: string[],
): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(command[0]!, [...command.slice(1), ...extraArgs], { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', () => (clearTimeout(timer), resolve(127)));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(signal === 'SIGKILL' ? null : (code ?? 128));
    });
  });
}

/** Reads each acknowledged key back: the ones missing were lost. */
export async function lostWrites(url: string, keys: string[]): Promise<{ lost: string[]; read: number }> {
  const client = await Resp.connect(url, 5000);
  const lost: string[] = [];
  try {
    for (const k of keys) if ((await client.call(['GET', k], 5000)) !== k) lost.push(k);
  } finally {
    client.close();
  }
  return { lost, read: keys.length };
}
