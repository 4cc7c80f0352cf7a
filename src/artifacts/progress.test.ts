import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LockedArtifact } from '../core/artifact.js';
import { applyProgress, progressPrinter, progressState, renderProgress } from './progress.js';

const jar = (artifactId: string, size: number): LockedArtifact => ({
  groupId: 'org.example',
  artifactId,
  version: '1.0',
  sha256: '0'.repeat(64),
  size,
});
const [a, b, c] = [jar('alpha', 2_000_000), jar('beta', 2_000_000), jar('gamma', 500_000)];

test('one line: jars done, a bar over the bytes to download, the file being fetched', () => {
  let s = progressState([a, b, c]);
  s = applyProgress(s, { artifact: c, bytes: c.size, total: c.size, done: true, fromCache: true });
  s = applyProgress(s, { artifact: a, bytes: 2_000_000, total: a.size, done: true, fromCache: false });
  s = applyProgress(s, { artifact: b, bytes: 1_000_000, total: b.size, done: false, fromCache: false });
  // Cached jars do not count towards the bar: 3.0 of 4.0 MB fetched, so 23 of 30 marks.
  assert.equal(renderProgress(s, 80), 'jars 2/3 [#######################-------]  3.0/4.0 MB  beta-1.0.jar');
  assert.ok(renderProgress(s, 40).length <= 40);
});

test('the last line sums up what came from where', () => {
  let s = progressState([a, c]);
  s = applyProgress(s, { artifact: c, bytes: c.size, total: c.size, done: true, fromCache: true });
  s = applyProgress(s, { artifact: a, bytes: a.size, total: a.size, done: true, fromCache: false });
  assert.equal(renderProgress(s), 'jars 2/2 ready: 1 cached, 1 downloaded (2.0 MB)');
});

test('the printer redraws a TTY line and ends with the summary once', () => {
  const out: string[] = [];
  let now = 0;
  const tty = { write: (chunk: string) => out.push(chunk) > 0, isTTY: true, columns: 80 };
  const stream = tty as unknown as NodeJS.WritableStream & { isTTY: boolean };
  const print = progressPrinter(stream, [a, c], () => (now += 50));
  print({ artifact: a, bytes: 0, total: a.size, done: false, fromCache: false });
  print({ artifact: a, bytes: 10, total: a.size, done: false, fromCache: false });
  print({ artifact: a, bytes: a.size, total: a.size, done: true, fromCache: false });
  print({ artifact: c, bytes: c.size, total: c.size, done: true, fromCache: true });
  print({ artifact: c, bytes: c.size, total: c.size, done: true, fromCache: true });
  assert.equal(out.length, 3, 'throttled to one redraw per 100 ms, then the summary');
  assert.ok(out.every((l) => l.startsWith('\r\x1b[K')));
  assert.equal(out.at(-1), '\r\x1b[Kjars 2/2 ready: 1 cached, 1 downloaded (2.0 MB)\n');
});
