import fs from 'node:fs';
import type { History, Op } from '../history.js';
import type { RunningWorkload } from '../workloads.js';
import type { KafkaRead } from './checker.js';
import { FlotillaError } from '../../core/errors.js';
import { runTool, startTool, type KafkaTool } from './java.js';
import { topicArgs, type KafkaWorkload } from './options.js';

/** Where the Kafka workload runs: the compiled Workload.java, the brokers, the run's topic. */
export interface KafkaTarget {
  tool: KafkaTool;
  bootstrap: string;
  topic: string;
}

/** Creates the run's topic (RF, min.insync.replicas, configs) before the clock of the experiment starts. */
export async function createTopic(w: KafkaWorkload, t: KafkaTarget): Promise<void> {
  await runTool(t.tool, ['create', ...topicArgs(w, t.bootstrap, t.topic)], 180_000);
}

/** A producer up and waiting (its JVM started, its client made) for the experiment's clock. */
export interface WaitingProducer {
  /** Sends from now on, each line into `h`; stopping closes its stdin, and it flushes and exits. */
  start(h: History): RunningWorkload;
  /** Ends it without a run (setup failed elsewhere). */
  kill(): void;
}

/**
 * Starts Workload.java's producer and waits until it is ready to send: a JVM's start takes seconds
 * on a loaded machine, and the nemesis must not run against a workload that has not begun.
 */
export async function spawnProducer(w: KafkaWorkload, t: KafkaTarget): Promise<WaitingProducer> {
  const argv = [
    'produce',
    ...topicArgs(w, t.bootstrap, t.topic),
    '--acks',
    w.acks,
    '--idempotence',
    String(w.idempotence),
    '--rate',
    String(w.rate),
    '--keys',
    String(w.keys),
  ];
  let sink: ((line: Record<string, unknown>) => void) | null = null;
  let started: () => void = () => undefined;
  const ready = new Promise<void>((r) => (started = r));
  const { child, exited } = startTool(t.tool, argv, (line) => {
    if (line.type === 'started') started();
    sink?.(line);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
  const early = await Promise.race([ready.then(() => null), exited]);
  clearTimeout(timer);
  if (early)
    throw new FlotillaError(
      'INTERNAL',
      `the Kafka producer did not start (exit ${early.code}): ${early.stderr.trim().split('\n').slice(-5).join(' | ')}`,
    );
  return {
    kill: () => child.kill('SIGKILL'),
    start(h) {
      // The producer's epoch-millisecond times, on the history's clock.
      const epochStart = performance.timeOrigin + h.start;
      let failure: string | undefined;
      sink = (line) => {
        const type = line.type;
        if (type !== 'invoke' && type !== 'ok' && type !== 'fail' && type !== 'info') return;
        const op: Op = {
          type,
          process: Number(line.process),
          f: 'send',
          value: line.value,
          time: Number(line.time) - epochStart,
        };
        if (typeof line.partition === 'number') op.partition = line.partition;
        if (typeof line.offset === 'number') op.offset = line.offset;
        if (typeof line.error === 'string') op.error = line.error;
        h.record(op);
      };
      child.stdin.write('go\n');
      const running: RunningWorkload = {
        async stop() {
          child.stdin.end();
          // The producer's delivery timeout (20 s) bounds its flush; past twice that, it is stuck.
          const kill = setTimeout(() => child.kill('SIGKILL'), 45_000);
          const { code, stderr } = await exited.finally(() => clearTimeout(kill));
          if (code !== 0) {
            failure = `the producer exited ${code ?? 'on a signal'}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`;
            h.nemesis('workload-exit', { code, stderr: stderr.trim().split('\n').slice(-5) });
          }
          running.failure = failure;
        },
      };
      return running;
    },
  };
}

/** Reads the run's topic back from the beginning (read_committed); the records also go to `file`. */
export async function readBack(t: KafkaTarget, file: string): Promise<KafkaRead[]> {
  const lines = await runTool(
    t.tool,
    ['consume', '--bootstrap', t.bootstrap, '--topic', t.topic, '--isolation', 'read_committed'],
    240_000,
  );
  const reads = lines
    .filter((l) => l.type === 'read')
    .map((l) => ({ partition: Number(l.partition), offset: Number(l.offset), value: String(l.value) }));
  fs.writeFileSync(file, reads.map((r) => JSON.stringify(r)).join('\n') + (reads.length ? '\n' : ''));
  return reads;
}

/** The lines of history.jsonl, for the checker. */
export function readHistory(file: string): Op[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Op);
}
