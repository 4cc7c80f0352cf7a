import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Resources } from '../types.js';
import { DrfSorter } from './drf.js';

const r = (cpus: number, mem: number): Resources => ({ cpus, mem, disk: 0, ports: 0 });

describe('DrfSorter', () => {
  it('orders by dominant share, the largest of each resource share', () => {
    const s = new DrfSorter();
    s.addTotal(r(10, 100));
    s.add('a');
    s.add('b');
    s.add('c');
    s.allocated('a', r(1, 40)); // shares cpus 0.1, mem 0.4 → dominant 0.4
    s.allocated('b', r(3, 10)); // cpus 0.3, mem 0.1 → 0.3
    s.allocated('c', r(5, 0)); //  cpus 0.5 → 0.5
    assert.deepEqual(s.sort(), ['b', 'a', 'c']); // 0.3 < 0.4 < 0.5
    assert.equal(s.next(), 'b');
    assert.equal(s.share('a'), 0.4);
  });

  it('divides the share by the weight', () => {
    const s = new DrfSorter();
    s.addTotal(r(10, 100));
    s.add('a', 2);
    s.add('b');
    s.allocated('a', r(6, 0)); // 0.6 / 2 = 0.3
    s.allocated('b', r(4, 0)); // 0.4 / 1 = 0.4
    assert.deepEqual(s.sort(), ['a', 'b']); // 0.3 < 0.4
    s.updateWeight('a', 1); //                   0.6 / 1 = 0.6
    assert.deepEqual(s.sort(), ['b', 'a']); // 0.4 < 0.6
  });

  it('breaks ties by client name, whatever the insertion order', () => {
    const s = new DrfSorter();
    s.addTotal(r(10, 100));
    for (const c of ['c', 'a', 'b']) s.add(c);
    s.allocated('c', r(2, 0)); // 0.2
    s.allocated('a', r(0, 20)); // 0.2
    s.allocated('b', r(1, 0)); // 0.1
    assert.deepEqual(s.sort(), ['b', 'a', 'c']); // 0.1 < 0.2 = 0.2, a before c
  });

  it('follows allocations as they change, and ignores a resource the pool lacks', () => {
    const s = new DrfSorter();
    s.addTotal(r(10, 0)); // no mem at all: mem shares are left out, not infinite
    s.add('a');
    s.add('b');
    s.allocated('a', r(2, 50)); // 0.2
    s.allocated('b', r(3, 0)); //  0.3
    assert.equal(s.next(), 'a');
    s.unallocated('b', r(2, 0)); // 0.1
    assert.equal(s.next(), 'b');
    s.addTotal(r(10, 0)); // a 2/20 = 0.1, b 1/20 = 0.05
    assert.deepEqual(s.sort(), ['b', 'a']);
    assert.equal(s.share('a'), 0.1);
  });

  it('keeps the heap order through many changes (checked against a full sort)', () => {
    const s = new DrfSorter();
    s.addTotal(r(1000, 1000));
    const names = Array.from({ length: 50 }, (_, i) => `t${String(i).padStart(2, '0')}`);
    for (const n of names) s.add(n, 1 + (n.charCodeAt(2) % 3));
    let x = 1;
    for (let step = 0; step < 2000; step++) {
      x = (x * 48271) % 2147483647;
      const who = names[x % names.length]!;
      if (x % 7 === 0) s.deactivate(who);
      else if (x % 11 === 0) s.activate(who);
      else s.allocated(who, r(x % 5, (x >> 3) % 5));
      const expected = s.sort()[0];
      assert.equal(s.next(), expected);
    }
  });
});
