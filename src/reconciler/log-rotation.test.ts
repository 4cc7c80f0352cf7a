import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { DEFAULT_LOG_LIMITS, rotateIfLarge, taskLogLimits } from './log-rotation.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-rotate-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('log rotation', () => {
  it('bounds the log of a task that keeps writing and never reopens it', async () => {
    const file = path.join(dir, 'stdout');
    // As the process driver does: the task's stdout is the file itself, opened for appending.
    const fd = fs.openSync(file, 'a');
    // A last line after a pause: a copy-and-truncate rotation may lose what is written between its
    // copy and its truncate (as logrotate's copytruncate does), so only a line written when no
    // rotation is under way is sure to be kept.
    const script = 'i=0; while [ $i -lt 30000 ]; do echo "line $i"; i=$((i+1)); done; sleep 0.3; echo end';
    const task = spawn('sh', ['-c', script], { stdio: ['ignore', fd, 'ignore'] });
    fs.closeSync(fd);
    const limits = { maxBytes: 4096, files: 2 };
    let rotations = 0;
    const exited = new Promise((r) => task.once('exit', r));
    let running = true;
    void exited.then(() => (running = false));
    while (running) {
      if (rotateIfLarge(file, limits)) rotations++;
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.ok(rotations >= 3, `rotated ${rotations} times`);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['stdout', 'stdout.1', 'stdout.2']);
    // Written from the start of the truncated file, not past a hole of zeros; the last line is the
    // newest (it lands in stdout.1 when a rotation came between the last write and the exit).
    const current = fs.readFileSync(file, 'utf8');
    assert.ok(!current.includes('\0'));
    assert.match(fs.readFileSync(`${file}.1`, 'utf8') + current, /line \d+\nend\n$/);
    const newest = fs.readFileSync(`${file}.1`, 'utf8').trim().split('\n');
    assert.match(newest[newest.length - 1]!, /^line \d+$/);
    assert.equal(rotateIfLarge(file, { maxBytes: 1 << 20, files: 2 }), false, 'small files stay');
  });
});

describe("a task's own log limits (Compose logging options)", () => {
  it('takes max-size and max-file (which counts the live file, as in Docker), else the daemon limits', () => {
    assert.deepEqual(taskLogLimits(undefined, DEFAULT_LOG_LIMITS), DEFAULT_LOG_LIMITS);
    assert.deepEqual(taskLogLimits({ logMaxSize: '50m', logMaxFile: '5' }, DEFAULT_LOG_LIMITS), {
      maxBytes: 50 * 1024 * 1024,
      files: 4,
    });
    assert.deepEqual(taskLogLimits({ logMaxSize: '1.5k' }, DEFAULT_LOG_LIMITS), {
      maxBytes: 1536,
      files: DEFAULT_LOG_LIMITS.files,
    });
    assert.deepEqual(taskLogLimits({ logMaxFile: '1' }, DEFAULT_LOG_LIMITS), {
      maxBytes: DEFAULT_LOG_LIMITS.maxBytes,
      files: 0,
    });
  });
});
