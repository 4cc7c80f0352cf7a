import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, describe, it } from 'node:test';
import { rotateIfLarge } from '../reconciler/log-rotation.js';
import { follow } from './logs.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-logs-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('following a log', () => {
  it('misses nothing and repeats nothing across rotations', async () => {
    const file = path.join(dir, 'stdout');
    const fd = fs.openSync(file, 'a');
    const out = new PassThrough();
    let seen = '';
    out.on('data', (c: Buffer) => (seen += c.toString()));
    const stop = new AbortController();
    follow(file, 0, out, stop.signal);
    const limits = { maxBytes: 20, files: 3 };
    let expected = '';
    for (let i = 0; i < 12; i++) {
      const line = `line ${i} of the task\n`;
      fs.writeSync(fd, line);
      expected += line;
      // Rotations between the follower's looks, once and twice in a row.
      if (i % 3 === 0) rotateIfLarge(file, limits);
      if (i % 5 === 0) {
        fs.writeSync(fd, 'more\n');
        expected += 'more\n';
        rotateIfLarge(file, limits);
      }
      if (i % 2 === 0) await pause(250);
    }
    await pause(450);
    stop.abort();
    fs.closeSync(fd);
    assert.equal(seen, expected);
  });
});
