import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  bytesView,
  latestWindow,
  newestWithin,
  offsetOf,
  partitionLag,
  topicSummary,
  totalLag,
} from './data-views.js';

describe("Kafka data plane's arithmetic", () => {
  it('reads int64 offsets, -1 as none', () => {
    assert.equal(offsetOf('42'), 42);
    assert.equal(offsetOf('-1'), null);
    assert.equal(offsetOf(''), null);
    assert.equal(offsetOf('nonsense'), null);
  });

  it('computes lag as end − committed, none without a commit, never negative', () => {
    assert.equal(partitionLag(7, 10), 3);
    assert.equal(partitionLag(10, 10), 0);
    assert.equal(partitionLag(null, 10), null);
    assert.equal(partitionLag(12, 10), 0, 'a commit past a truncated end is not ahead');
    // 3 + 0 + (none) = 3
    assert.equal(totalLag([{ lag: 3 }, { lag: 0 }, { lag: null }]), 3);
    assert.equal(totalLag([]), 0);
  });

  it('browses the latest N offsets, not before the log start', () => {
    assert.deepEqual(latestWindow(0, 100, 20), { from: 80, end: 100 });
    assert.deepEqual(latestWindow(90, 100, 20), { from: 90, end: 100 });
    assert.deepEqual(latestWindow(0, 0, 20), { from: 0, end: 0 });
  });

  it("summarises a topic's partitions", () => {
    const p = (leader: number | null, replicas: number[], isr: number[], start: number, end: number) => ({
      leader,
      replicas,
      isr,
      start,
      end,
    });
    assert.deepEqual(
      topicSummary('orders', [
        p(1, [1, 2, 3], [1, 2, 3], 0, 10),
        p(2, [2, 3, 1], [2], 5, 8),
        p(null, [3, 1, 2], [], 0, 0),
      ]),
      {
        name: 'orders',
        internal: false,
        partitions: 3,
        replicationFactor: 3,
        underReplicated: 2,
        offline: 1,
        messages: 13,
      },
    );
    assert.equal(topicSummary('__consumer_offsets', []).internal, true);
  });

  it('keeps the newest messages within the page budget, and counts the older ones left out', () => {
    const m = (offset: number, value: string) => ({
      offset,
      timestamp: 0,
      key: null,
      value: bytesView(value),
      headers: [{ key: 'h', value: bytesView('xy') }],
    });
    // Each message is 3 (h + xy) + its value's length: 13, 13, 8.
    const page = [m(0, '0123456789'), m(1, '0123456789'), m(2, '01234')];
    assert.deepEqual(
      newestWithin(page, 21).messages.map((x) => x.offset),
      [1, 2],
    );
    assert.equal(newestWithin(page, 21).omitted, 1);
    assert.equal(newestWithin(page, 1000).omitted, 0);
    // The newest message is always kept, even past the budget.
    assert.deepEqual(newestWithin(page, 1), { messages: [page[2]], omitted: 2 });
  });

  it('shows UTF-8 as text and anything else as base64, cut at the limit', () => {
    assert.deepEqual(bytesView(Buffer.from('héllo')), {
      encoding: 'utf8',
      data: 'héllo',
      size: 6,
      truncated: false,
    });
    assert.equal(bytesView(null), null);
    const binary = Buffer.from([0xff, 0x00, 0x01]);
    assert.deepEqual(bytesView(binary), { encoding: 'base64', data: '/wAB', size: 3, truncated: false });
    assert.equal(bytesView(Buffer.from('a\u0000b'))!.encoding, 'base64', 'NUL is not text');
    assert.equal(bytesView(Buffer.from('line\n\ttab'))!.encoding, 'utf8');
    // "é" is two bytes: a cut after 2 bytes of "aé…" keeps "a", never half a character.
    const cut = bytesView(Buffer.from('aébc'), 2)!;
    assert.deepEqual(cut, { encoding: 'utf8', data: 'a', size: 5, truncated: true });
    const bigBinary = bytesView(Buffer.alloc(10, 0xff), 4)!;
    assert.deepEqual(bigBinary, { encoding: 'base64', data: '/////w==', size: 10, truncated: true });
  });
});
