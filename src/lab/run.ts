import fs from 'node:fs';
import path from 'node:path';
import type { FlotillaClient } from '../client/client.js';
import type { Experiment, NemesisStep } from './experiment.js';
import { History } from './history.js';
import { prepareCassandra } from './cassandra/workload.js';
import { checkKafka } from './kafka/checker.js';
import { prepareKafka } from './kafka/prepare.js';
import { readBack, readHistory } from './kafka/workload.js';
import { writeReport, type CheckerResult, type FaultSpan, type RefusedFault, type Report } from './report.js';
import { lostWrites, runProgram, startWorkload } from './workloads.js';

export interface RunOptions {
  /** The experiment file's folder: a stack file is read relative to it. */
  directory: string;
  /** Where the report folder goes. */
  out: string;
  /** Each second's line of the live timeline. */
  print: (line: string) => void;
  readFile: (file: string) => string;
  waitReady: (stack: string) => Promise<void>;
  /** The daemon's artifact cache (the Kafka workload's client jars and compiled program go there). */
  artifactsDir?: string;
}

/**
 * Runs an experiment: brings its stack up (or takes the one named), runs the workload, injects the
 * nemesis' faults on schedule, heals them all, runs the checkers, and writes the report folder.
 */
export async function runExperiment(client: FlotillaClient, e: Experiment, o: RunOptions): Promise<Report> {
  let stack: string;
  if ('file' in e.stack) {
    const text = o.readFile(path.resolve(o.directory, e.stack.file));
    stack = /^name:\s*([\w-]+)/m.exec(text)?.[1] ?? e.name;
    await client.applyStack(stack, text);
  } else stack = e.stack.name;
  await o.waitReady(stack);
  fs.mkdirSync(o.out, { recursive: true });
  // Before the clock starts: the client jars, the compiled program, the run's topic.
  const kafka = e.workload.kind === 'kafka' ? await prepareKafka(client, e.workload, o.artifactsDir) : null;
  const cassandra = e.workload.kind === 'cassandra' ? await prepareCassandra(client, e.workload) : null;
  const history = new History(path.join(o.out, 'history.jsonl'));
  const redisUrl =
    e.workload.kind === 'redis' ? (await client.endpoints(e.workload.service))[0]?.values.url : undefined;
  const cassandraRun = cassandra?.start(history);
  const workload = kafka
    ? kafka.producer.start(history)
    : (cassandraRun ?? startWorkload(e.workload, history, redisUrl ? { redisUrl } : {}));
  const active = new Map<string, string>();
  // Faults over at once (a kill): shown in the second they happened.
  let instant: string[] = [];
  const injected: FaultSpan[] = [];
  const refused: RefusedFault[] = [];
  const inject = async (step: NemesisStep) => {
    try {
      const f = await client.injectFault({
        ...step.fault,
        ...(step.durationS ? { durationS: step.durationS } : {}),
      });
      const at = history.now();
      history.nemesis(`start-${f.kind}`, { id: f.id, targets: f.targets });
      injected.push({
        id: f.id,
        kind: f.kind,
        targets: f.targets,
        at,
        healedAt: f.state === 'healed' ? at : null,
      });
      if (f.state === 'active') active.set(f.id, `${f.kind}(${f.targets.join(',')})`);
      else instant.push(`${f.kind}(${f.targets.join(',')})`);
    } catch (err) {
      const error = String((err as Error).message ?? err);
      history.nemesis('fault-refused', { error });
      refused.push({ at: history.now(), kind: step.fault.kind, error });
      o.print(`        ${step.fault.kind} refused: ${error}`);
    }
  };
  const timers: NodeJS.Timeout[] = [];
  for (const step of e.nemesis) {
    if ('at' in step) timers.push(setTimeout(() => void inject(step), step.at * 1000));
    else {
      const first = setTimeout(() => {
        void inject(step);
        timers.push(setInterval(() => void inject(step), step.every * 1000));
      }, step.start * 1000);
      timers.push(first);
    }
  }
  for (let t = 1; t <= e.durationS; t++) {
    await new Promise((r) => setTimeout(r, Math.max(0, t * 1000 - history.now())));
    // Faults that healed by themselves (their duration) leave the active set.
    for (const id of [...active.keys()]) {
      const f = await client.getFault(id).catch(() => null);
      if (f && f.state !== 'active') {
        active.delete(id);
        const rec = injected.find((x) => x.id === id);
        if (rec) rec.healedAt = history.now();
        history.nemesis(`stop-${f.kind}`, { id });
      }
    }
    const s = history.tick([...instant, ...active.values()]);
    instant = [];
    o.print(
      `${String(s.t).padStart(4)}s  ok ${String(s.ok).padStart(4)}  fail ${String(s.fail).padStart(3)}  ` +
        `p50 ${fmt(s.p50)}  p99 ${fmt(s.p99)}  ${s.faults.length ? `faults: ${s.faults.join(' ')}` : ''}`,
    );
  }
  for (const t of timers) clearTimeout(t);
  await workload.stop();
  for (const id of active.keys()) {
    await client.healFault(id).catch(() => undefined);
    const rec = injected.find((x) => x.id === id);
    if (rec) rec.healedAt = history.now();
    history.nemesis('stop', { id });
  }
  history.close();
  await o.waitReady(stack);
  const checkers: CheckerResult[] = [];
  try {
    for (const c of e.checkers) {
      if (c.kind === 'redis-lost-writes') {
        const url = redisUrl ?? '';
        const { lost, read } = await lostWrites(url, workload.acknowledged ?? []);
        checkers.push({
          kind: c.kind,
          valid: lost.length === 0,
          figures: { acknowledged: read, lost: lost.length },
          anomalies: lost.slice(0, 100),
        });
      } else if (c.kind === 'kafka-acknowledged') {
        // parseExperiment pairs this checker with a kafka workload only.
        const reads = await readBack(kafka!.target, path.join(o.out, 'kafka-reads.jsonl'));
        const result = checkKafka(readHistory(path.join(o.out, 'history.jsonl')), reads);
        // A producer that died mid-run acknowledged too little for a pass to mean anything.
        if (workload.failure) result.anomalies.unshift(workload.failure);
        checkers.push({ ...result, valid: result.valid && !workload.failure });
      } else if (c.kind === 'cassandra-acknowledged') {
        // parseExperiment pairs this checker with a cassandra workload only.
        checkers.push(await cassandraRun!.check());
      } else {
        const code = await runProgram(c.command, c.timeoutS * 1000, [path.join(o.out, 'history.jsonl')]);
        checkers.push({
          kind: c.kind,
          valid: code === 0,
          figures: { exitCode: code ?? 'timeout' },
          anomalies: [],
        });
      }
    }
  } finally {
    await cassandraRun?.close();
  }
  return writeReport(o.out, {
    experiment: e,
    stack,
    seconds: history.seconds,
    faults: injected,
    refused,
    checkers,
  });
}

function fmt(ms: number | null): string {
  return ms === null ? '    -   ' : `${ms.toFixed(1).padStart(6)}ms`;
}
