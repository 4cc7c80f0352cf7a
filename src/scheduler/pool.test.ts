import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Pool } from './pool.js';
import { node, res } from './testing/build.js';

describe('Pool', () => {
  it('finds the same node as a plain scan from the cursor, through takes and gives', () => {
    const small = fc.integer({ min: 0, max: 6 });
    const op = fc.record({
      cpus: small,
      mem: small,
      ports: fc.integer({ min: 0, max: 2 }),
      odd: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(small, small), { minLength: 1, maxLength: 40 }),
        fc.array(op, { maxLength: 60 }),
        (sizes, ops) => {
          const nodes = sizes.map(([c, m], i) => node(`n${i}`, res(c, m, 0, 2)));
          const pool = new Pool(nodes);
          const free = nodes.map((n) => ({ ...n.total }));
          let cursor = 0;
          for (const o of ops) {
            const want = res(o.cpus, o.mem, 0, o.ports);
            // Constraints stand in as "odd nodes only" half of the time.
            const accept = (i: number) => !o.odd || i % 2 === 1;
            let expected = -1;
            for (let k = 0; k < nodes.length && expected < 0; k++) {
              const i = (cursor + k) % nodes.length;
              const f = free[i]!;
              if (f.cpus >= want.cpus && f.mem >= want.mem && f.ports >= want.ports && accept(i))
                expected = i;
            }
            assert.equal(pool.firstFit(want, accept), expected);
            if (expected >= 0) {
              cursor = (expected + 1) % nodes.length;
              pool.take(expected, want);
              free[expected]!.cpus -= want.cpus;
              free[expected]!.mem -= want.mem;
              free[expected]!.ports -= want.ports;
            } else if (o.odd) {
              // Give something back somewhere, so free room also grows.
              const i = (o.cpus + o.mem) % nodes.length;
              pool.give(i, res(1, 1));
              free[i]!.cpus += 1;
              free[i]!.mem += 1;
            }
          }
        },
      ),
      { numRuns: 300, seed: 1 },
    );
  });

  it('has no node to offer when the pool is empty', () => {
    assert.equal(
      new Pool([]).firstFit(res(0, 0), () => true),
      -1,
    );
  });
});
