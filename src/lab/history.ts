import fs from 'node:fs';

/** One line of history.jsonl, as Jepsen writes its history: an invocation, then how it completed. */
export interface Op {
  type: 'invoke' | 'ok' | 'fail' | 'info';
  /** The operation's number: an invoke and its completion share it. */
  process: number;
  f: string;
  value?: unknown;
  /** Milliseconds since the experiment started. */
  time: number;
  error?: string;
  /** Where Kafka put an acknowledged message. */
  partition?: number;
  offset?: number;
}

/** Per second: operations ok and failed, latency p50/p99 of the completed ones, faults active. */
export interface Second {
  t: number;
  ok: number;
  fail: number;
  p50: number | null;
  p99: number | null;
  faults: string[];
}

/** The history, appended as it happens, and the figures of each second. */
export class History {
  private readonly out: number;
  private readonly invokedAt = new Map<number, number>();
  private latencies: number[] = [];
  private counts = { ok: 0, fail: 0 };
  readonly seconds: Second[] = [];
  private next = 0;

  constructor(
    file: string,
    readonly start = performance.now(),
  ) {
    this.out = fs.openSync(file, 'w');
  }

  now(): number {
    return performance.now() - this.start;
  }

  invoke(f: string, value?: unknown): number {
    const process = this.next++;
    const time = this.now();
    this.invokedAt.set(process, time);
    this.write({ type: 'invoke', process, f, ...(value !== undefined ? { value } : {}), time });
    return process;
  }

  complete(process: number, type: 'ok' | 'fail' | 'info', f: string, value?: unknown, error?: string): void {
    const time = this.now();
    const started = this.invokedAt.get(process);
    this.invokedAt.delete(process);
    if (type === 'ok' && started !== undefined) this.latencies.push(time - started);
    if (type === 'ok') this.counts.ok++;
    else this.counts.fail++;
    this.write({
      type,
      process,
      f,
      ...(value !== undefined ? { value } : {}),
      time,
      ...(error ? { error } : {}),
    });
  }

  /** An operation timed by a workload in another process (`time` already in ms since the start). */
  record(op: Op): void {
    if (op.type === 'invoke') this.invokedAt.set(op.process, op.time);
    else {
      const started = this.invokedAt.get(op.process);
      this.invokedAt.delete(op.process);
      if (op.type === 'ok' && started !== undefined) this.latencies.push(op.time - started);
      if (op.type === 'ok') this.counts.ok++;
      else this.counts.fail++;
    }
    this.write(op);
  }

  /** A nemesis line (fault injected or healed): `info`, as Jepsen records its nemesis. */
  nemesis(f: string, value: unknown): void {
    this.write({ type: 'info', process: -1, f, value, time: this.now() });
  }

  /** Closes the current second and returns its figures. */
  tick(faults: string[]): Second {
    const s = [...this.latencies].sort((a, b) => a - b);
    const at = (q: number) => (s.length ? round(s[Math.min(s.length - 1, Math.floor(q * s.length))]!) : null);
    const second = { t: this.seconds.length + 1, ...this.counts, p50: at(0.5), p99: at(0.99), faults };
    this.seconds.push(second);
    this.latencies = [];
    this.counts = { ok: 0, fail: 0 };
    return second;
  }

  close(): void {
    fs.closeSync(this.out);
  }

  private write(op: Op): void {
    fs.writeSync(this.out, `${JSON.stringify({ ...op, time: round(op.time) })}\n`);
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
