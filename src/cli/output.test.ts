import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { humanDuration, renderFields, renderTable, truncate } from './output.js';

describe('renderTable', () => {
  it('sizes each column to its widest cell and upper-cases the headers', () => {
    const text = renderTable(
      ['task', 'state', 'pid'],
      [
        ['cache.redis-0', 'healthy', '12'],
        ['web.0', 'staging', '-'],
      ],
    );
    assert.equal(
      text,
      ['TASK           STATE    PID', 'cache.redis-0  healthy  12', 'web.0          staging  -'].join('\n'),
    );
  });

  it('leaves no trailing blanks when the last cell is empty or short', () => {
    const lines = renderTable(
      ['a', 'message'],
      [
        ['x', ''],
        ['y', 'long message'],
      ],
    ).split('\n');
    assert.deepEqual(lines, ['A  MESSAGE', 'x', 'y  long message']);
  });

  it('prints the header alone when there are no rows', () => {
    assert.equal(renderTable(['name', 'version'], []), 'NAME  VERSION');
  });

  it('treats missing cells as empty', () => {
    assert.equal(renderTable(['a', 'b'], [['1']]), 'A  B\n1');
  });
});

describe('renderFields', () => {
  it('aligns the values after the longest label', () => {
    assert.equal(
      renderFields([
        ['pid', '7'],
        ['address', 'http://x'],
      ]),
      'pid:     7\naddress: http://x',
    );
  });
});

describe('humanDuration', () => {
  it('uses the largest whole unit', () => {
    assert.equal(humanDuration(0), '0s');
    assert.equal(humanDuration(3_400), '3s');
    assert.equal(humanDuration(59_999), '59s');
    assert.equal(humanDuration(120_000), '2m');
    assert.equal(humanDuration(3_600_000), '1h');
    assert.equal(humanDuration(3 * 86_400_000), '3d');
  });

  it('never goes negative when clocks disagree', () => {
    assert.equal(humanDuration(-5_000), '0s');
  });
});

describe('truncate', () => {
  it('keeps short text, flattens lines and cuts long text with an ellipsis', () => {
    assert.equal(truncate('exited\nwith 1', 50), 'exited with 1');
    const cut = truncate('x'.repeat(80), 50);
    assert.equal(cut.length, 50);
    assert.ok(cut.endsWith('…'));
  });
});
