import type { CheckerResult } from '../report.js';

/** A `send` line of history.jsonl (only the fields the checker reads). */
export interface SendOp {
  type: 'invoke' | 'ok' | 'fail' | 'info';
  f: string;
  value?: unknown;
  partition?: number;
  offset?: number;
}

/** One record the consumer read back. */
export interface KafkaRead {
  partition: number;
  offset: number;
  value: string;
}

const EXAMPLES = 20;

/**
 * The kafka-acknowledged checker, a pure function of the history and what was read back:
 *
 * - lost: a value whose send was acknowledged (`ok`) and that no partition holds;
 * - duplicated: a value read more than once (acknowledged or not: an idempotent producer writes each
 *   value once, whatever its retries);
 * - reordered: in a partition, read in offset order, an acknowledged value whose first copy comes after
 *   a larger acknowledged value (one producer sends values in increasing order, so the log must hold
 *   them so; a later copy of a value is a duplicate, not also a reordering);
 * - unexpected: a value read that the workload never sent.
 *
 * Any of those fails the verdict. Counted but not failing: values whose send was not acknowledged
 * (`info`, or never completed) yet were written (`unacknowledgedPresent`), and acknowledged values
 * read at another offset than the one acknowledged (`moved`: after an unclean election the offset may
 * have been given to another value and this one written again by a retry).
 */
export function checkKafka(history: SendOp[], reads: KafkaRead[]): CheckerResult {
  const invoked = new Set<number>();
  const acked = new Map<number, { partition?: number; offset?: number }>();
  for (const op of history) {
    if (op.f !== 'send' || typeof op.value !== 'number') continue;
    if (op.type === 'invoke') invoked.add(op.value);
    if (op.type === 'ok') acked.set(op.value, { partition: op.partition, offset: op.offset });
  }
  const seen = new Map<number, KafkaRead[]>();
  const unexpected: string[] = [];
  for (const r of reads) {
    const v = /^\d+$/.test(r.value) ? Number(r.value) : NaN;
    if (!invoked.has(v)) {
      unexpected.push(
        `unexpected value ${JSON.stringify(r.value)} at partition ${r.partition} offset ${r.offset}`,
      );
      continue;
    }
    const at = seen.get(v) ?? [];
    at.push(r);
    seen.set(v, at);
  }
  const lost: string[] = [];
  const moved: string[] = [];
  for (const [v, a] of acked) {
    const at = seen.get(v);
    if (!at) lost.push(`lost ${v} (acknowledged at partition ${a.partition} offset ${a.offset})`);
    else if (!at.some((r) => r.partition === a.partition && r.offset === a.offset))
      moved.push(`moved ${v}: acknowledged at ${a.partition}/${a.offset}, read at ${where(at)}`);
  }
  const duplicated: string[] = [];
  let unacknowledgedPresent = 0;
  for (const [v, at] of seen) {
    if (at.length > 1) duplicated.push(`duplicated ${v}: read ${at.length} times, at ${where(at)}`);
    if (!acked.has(v)) unacknowledgedPresent++;
  }
  const reordered: string[] = [];
  const byPartition = new Map<number, KafkaRead[]>();
  for (const r of reads) byPartition.set(r.partition, [...(byPartition.get(r.partition) ?? []), r]);
  for (const [p, rs] of byPartition) {
    let max = -1;
    let maxAt = -1;
    const first = new Set<number>();
    for (const r of [...rs].sort((a, b) => a.offset - b.offset)) {
      const v = Number(r.value);
      // A later copy of a value is a duplicate (counted above), not a reordering as well.
      if (!acked.has(v) || first.has(v)) continue;
      first.add(v);
      if (v < max)
        reordered.push(
          `reordered in partition ${p}: ${v} at offset ${r.offset} after ${max} at offset ${maxAt}`,
        );
      else if (v > max) [max, maxAt] = [v, r.offset];
    }
  }
  const figures = {
    sent: invoked.size,
    acknowledged: acked.size,
    read: reads.length,
    lost: lost.length,
    duplicated: duplicated.length,
    reordered: reordered.length,
    unexpected: unexpected.length,
    unacknowledgedPresent,
    moved: moved.length,
  };
  return {
    kind: 'kafka-acknowledged',
    valid: lost.length + duplicated.length + reordered.length + unexpected.length === 0,
    figures,
    anomalies: [lost, duplicated, reordered, unexpected, moved].flatMap((l) => l.slice(0, EXAMPLES)),
  };
}

function where(rs: KafkaRead[]): string {
  return rs.map((r) => `${r.partition}/${r.offset}`).join(', ');
}
