import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkKafka, type KafkaRead, type SendOp } from './checker.js';

/** A history: each value invoked, then acknowledged at [partition, offset] or left unknown (null). */
function history(sends: [number, [number, number] | null][]): SendOp[] {
  return sends.flatMap(([v, at]): SendOp[] => [
    { type: 'invoke', f: 'send', value: v },
    at
      ? { type: 'ok', f: 'send', value: v, partition: at[0], offset: at[1] }
      : { type: 'info', f: 'send', value: v },
  ]);
}

const read = (partition: number, offset: number, value: number | string): KafkaRead => ({
  partition,
  offset,
  value: String(value),
});

describe('the kafka-acknowledged checker', () => {
  it('passes when every acknowledged value is read once, in order', () => {
    const h = history([
      [0, [0, 0]],
      [1, [1, 0]],
      [2, [0, 1]],
    ]);
    const r = checkKafka(h, [read(0, 0, 0), read(0, 1, 2), read(1, 0, 1)]);
    assert.equal(r.valid, true, JSON.stringify(r));
    assert.deepEqual(r.figures, {
      sent: 3,
      acknowledged: 3,
      read: 3,
      lost: 0,
      duplicated: 0,
      reordered: 0,
      unexpected: 0,
      unacknowledgedPresent: 0,
      moved: 0,
    });
  });

  it('fails on an acknowledged value that no partition holds, and names it', () => {
    const h = history([
      [0, [0, 0]],
      [1, [0, 1]],
      [2, null],
    ]);
    const r = checkKafka(h, [read(0, 0, 0)]);
    assert.equal(r.valid, false);
    assert.equal(r.figures.lost, 1);
    assert.deepEqual(r.anomalies, ['lost 1 (acknowledged at partition 0 offset 1)']);
  });

  it('fails on a value read twice, acknowledged or not', () => {
    const h = history([
      [0, [0, 0]],
      [1, null],
    ]);
    const r = checkKafka(h, [read(0, 0, 0), read(0, 1, 1), read(0, 2, 1)]);
    assert.equal(r.valid, false);
    assert.equal(r.figures.duplicated, 1);
    assert.equal(r.figures.unacknowledgedPresent, 1);
    assert.deepEqual(r.anomalies, ['duplicated 1: read 2 times, at 0/1, 0/2']);
  });

  it('fails when a partition holds acknowledged values out of the order they were sent', () => {
    const h = history([
      [0, [0, 0]],
      [1, [0, 2]],
      [2, [0, 1]],
      [3, [1, 0]],
    ]);
    // Offsets 1 and 2 hold 2 then 1 (a retried batch overtaken by the next one).
    const r = checkKafka(h, [read(0, 0, 0), read(0, 1, 2), read(0, 2, 1), read(1, 0, 3)]);
    assert.equal(r.valid, false);
    assert.equal(r.figures.reordered, 1);
    assert.equal(r.figures.moved, 0, 'each read where it was acknowledged');
    assert.match(r.anomalies[0]!, /reordered in partition 0: 1 at offset 2 after 2 at offset 1/);
  });

  it('counts a retried batch written again later as duplicated, not also as reordered', () => {
    const h = history([
      [0, [0, 0]],
      [1, [0, 1]],
      [2, [0, 2]],
    ]);
    const r = checkKafka(h, [read(0, 0, 0), read(0, 1, 1), read(0, 2, 2), read(0, 3, 0), read(0, 4, 1)]);
    assert.equal(r.valid, false);
    assert.equal(r.figures.duplicated, 2);
    assert.equal(r.figures.reordered, 0);
  });

  it('counts an unacknowledged value that was written as info, not a failure', () => {
    const h = history([
      [0, [0, 0]],
      [1, null],
      [2, null],
    ]);
    const r = checkKafka(h, [read(0, 0, 0), read(0, 1, 1)]);
    assert.equal(r.valid, true);
    assert.equal(r.figures.unacknowledgedPresent, 1);
    assert.equal(r.figures.acknowledged, 1);
  });

  it('fails on a record the workload never sent', () => {
    const r = checkKafka(history([[0, [0, 0]]]), [read(0, 0, 0), read(0, 1, 'hello'), read(0, 2, 7)]);
    assert.equal(r.valid, false);
    assert.equal(r.figures.unexpected, 2);
  });

  it('ignores the nemesis lines and operations other than send', () => {
    const h: SendOp[] = [{ type: 'info', f: 'start-kill', value: { id: 'f1' } }, ...history([[0, [2, 5]]])];
    assert.equal(checkKafka(h, [read(2, 5, 0)]).valid, true);
  });
});
