import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlotillaError } from '../../core/errors.js';
import type { Resources } from '../types.js';
import type { Sorter } from './sorter.js';

const r = (cpus: number, mem: number): Resources => ({ cpus, mem, disk: 0, ports: 0 });
const sorted = (xs: string[]) => [...xs].sort();

/**
 * The contract every Sorter keeps, run against each implementation (as Mesos runs its sorter
 * tests against DRFSorter and RandomSorter). Orders are not checked here: that is what differs.
 */
export function sorterSuite(name: string, make: () => Sorter): void {
  describe(`${name}: the shared sorter contract`, () => {
    it('sort() lists every active client exactly once, and next() is one of them', () => {
      const s = make();
      s.addTotal(r(10, 100));
      for (const c of ['a', 'b', 'c']) s.add(c);
      assert.deepEqual(sorted(s.sort()), ['a', 'b', 'c']);
      assert.ok(['a', 'b', 'c'].includes(s.next()!));
    });

    it('next() is undefined when no client is active', () => {
      const s = make();
      assert.equal(s.next(), undefined);
      s.add('a');
      s.deactivate('a');
      assert.equal(s.next(), undefined);
      assert.deepEqual(s.sort(), []);
    });

    it('deactivate() hides a client but keeps its allocation; activate() brings it back', () => {
      const s = make();
      s.addTotal(r(10, 100));
      s.add('a');
      s.add('b');
      s.allocated('a', r(2, 20));
      s.deactivate('a');
      s.deactivate('a'); // twice is harmless
      assert.deepEqual(s.sort(), ['b']);
      assert.deepEqual(s.allocation('a'), r(2, 20));
      s.activate('a');
      assert.deepEqual(sorted(s.sort()), ['a', 'b']);
    });

    it('remove() forgets a client', () => {
      const s = make();
      s.add('a');
      s.add('b');
      s.remove('a');
      assert.equal(s.contains('a'), false);
      assert.deepEqual(s.sort(), ['b']);
      s.add('a'); // can come back
      assert.deepEqual(s.allocation('a'), r(0, 0));
    });

    it('allocated() and unallocated() add up per client', () => {
      const s = make();
      s.add('a');
      s.allocated('a', r(1, 10));
      s.allocated('a', r(2, 5));
      s.unallocated('a', r(1, 10));
      assert.deepEqual(s.allocation('a'), r(2, 5));
      assert.deepEqual(s.allocation('a'), s.allocation('a'), 'a copy, not the live record');
    });

    it('addTotal() and removeTotal() keep the pool total', () => {
      const s = make();
      s.addTotal(r(8, 64));
      s.addTotal(r(4, 32));
      s.removeTotal(r(8, 64));
      assert.deepEqual(s.total(), r(4, 32));
    });

    it('updateWeight() keeps the client listed; a weight must be positive', () => {
      const s = make();
      s.add('a');
      s.add('b', 2);
      s.updateWeight('a', 3);
      assert.deepEqual(sorted(s.sort()), ['a', 'b']);
      for (const bad of [0, -1, Number.NaN, Infinity]) {
        assert.throws(() => s.updateWeight('a', bad), FlotillaError);
      }
      assert.throws(() => s.add('c', 0), FlotillaError);
    });

    it('refuses an unknown client and a second add()', () => {
      const s = make();
      s.add('a');
      assert.throws(() => s.add('a'), /added twice/);
      assert.throws(() => s.allocated('nobody', r(1, 1)), /unknown client "nobody"/);
      assert.throws(() => s.remove('nobody'), /unknown client/);
    });

    it('is deterministic: the same calls give the same order', () => {
      const run = () => {
        const s = make();
        s.addTotal(r(10, 100));
        for (const [i, c] of ['d', 'b', 'a', 'c', 'e'].entries()) {
          s.add(c, i + 1);
          s.allocated(c, r(i, 10 - i));
        }
        return [s.sort(), s.sort(), s.next()];
      };
      assert.deepEqual(run(), run());
    });
  });
}
