import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRandom } from '../prng.js';
import { RandomSorter } from './random.js';

describe('RandomSorter', () => {
  it('puts a client of weight 3 first about three times as often as one of weight 1', () => {
    const s = new RandomSorter(seededRandom(42));
    s.add('heavy', 3);
    s.add('light', 1);
    let sortFirst = 0;
    let nextFirst = 0;
    const rounds = 4000;
    for (let i = 0; i < rounds; i++) {
      if (s.sort()[0] === 'heavy') sortFirst++;
      if (s.next() === 'heavy') nextFirst++;
    }
    // Expected 3/4 of the rounds; 4,000 rounds put one standard deviation near 0.7%.
    assert.ok(Math.abs(sortFirst / rounds - 0.75) < 0.03, `sort: ${sortFirst / rounds}`);
    assert.ok(Math.abs(nextFirst / rounds - 0.75) < 0.03, `next: ${nextFirst / rounds}`);
  });

  it('ignores allocations', () => {
    const order = (alloc: boolean) => {
      const s = new RandomSorter(seededRandom(3));
      s.addTotal({ cpus: 10, mem: 10, disk: 0, ports: 0 });
      for (const c of ['a', 'b', 'c']) s.add(c);
      if (alloc) s.allocated('a', { cpus: 9, mem: 9, disk: 0, ports: 0 });
      return s.sort();
    };
    assert.deepEqual(order(true), order(false));
  });
});
