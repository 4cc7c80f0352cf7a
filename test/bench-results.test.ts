import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BEGIN, END, type RunInfo, renderResults, spliceResults } from '../bench/results.js';

const info: RunInfo = {
  command: 'BENCH_ROUNDS=2 npm run bench -- --write',
  started: new Date('2026-12-07T04:30:00Z'),
  commit: 'abc1234',
  dirty: false,
  machine: '2 cores',
  loadBefore: [0.5, 1, 2],
  loadAfter: [3, 2, 1],
  took: [['redis-up', 41.6]],
};

describe('bench results', () => {
  it('stamps the run and files each table under its figure, with how long it took', () => {
    const md = renderResults(info, [
      { figure: 'redis-up', title: 'Redis up', rows: [['ratio', '1.19']] },
      { figure: 'dns', title: 'DNS a|b', rows: [['qps | p99', '1 | 2']] },
    ]);
    assert.match(md, /`BENCH_ROUNDS=2 npm run bench -- --write`, started 2026-12-07 04:30 UTC/);
    assert.match(md, /at commit `abc1234`\. /);
    assert.match(md, /at the start 0\.50 \/ 1\.00 \/ 2\.00, at the end 3\.00/);
    assert.match(
      md,
      /### `redis-up` \(took 42 s\)\n\nRedis up\n\n\| measured \| value \|\n\| --- \| --- \|\n\| ratio \| 1\.19 \|/,
    );
    assert.match(md, /### `dns`\n/, 'a figure that did not finish says no time');
    assert.match(md, /\| qps \\\| p99 \| 1 \\\| 2 \|/, 'a | in a cell does not split it');
    assert.doesNotMatch(md, /failed/);
  });

  it('says a dirty tree and a failed run plainly', () => {
    const md = renderResults({ ...info, dirty: true, failed: 'dns: bench dns did not finish in 1800 s' }, []);
    assert.match(md, /with uncommitted changes/);
    assert.match(md, /\*\*The run failed:\*\* dns: bench dns did not finish in 1800 s\./);
  });

  it('replaces only what lies between the markers, and refuses a document without them', () => {
    const doc = `# B\n\nintro\n\n${BEGIN}\n\nold figures\n\n${END}\n\n## Notes\n`;
    const out = spliceResults(doc, 'new figures');
    assert.equal(out, `# B\n\nintro\n\n${BEGIN}\n\nnew figures\n\n${END}\n\n## Notes\n`);
    assert.equal(spliceResults(out, 'again'), out.replace('new figures', 'again'));
    assert.throws(() => spliceResults('# B\n', 'x'), /no .* markers/);
  });
});
