import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { contextFiles, isIgnored, parseDockerignore } from './dockerignore.js';

describe('.dockerignore', () => {
  it("matches as Docker does: segments, **, folders, and the last rule's verdict", () => {
    const rules = parseDockerignore(
      ['# comment', '*.log', 'node_modules', '/build/', '**/*.tmp', 'docs/*', '!docs/README.md', 'a?c'].join(
        '\n',
      ),
    );
    const verdicts = Object.fromEntries(
      [
        'app.log',
        'src/app.log',
        'node_modules/x/index.js',
        'build/out.bin',
        'deep/er/x.tmp',
        'docs/guide.md',
        'docs/README.md',
        'abc',
        'abbc',
        'src/main.ts',
      ].map((p) => [p, isIgnored(p, rules)]),
    );
    assert.deepEqual(verdicts, {
      'app.log': true,
      // `*.log` is anchored at the context's root, as in Docker: a log in a folder is sent.
      'src/app.log': false,
      'node_modules/x/index.js': true,
      'build/out.bin': true,
      'deep/er/x.tmp': true,
      'docs/guide.md': true,
      'docs/README.md': false,
      abc: true,
      abbc: false,
      'src/main.ts': false,
    });
  });

  it('lists what is sent, keeping the Dockerfile and taking back what ! names inside a left-out folder', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-ignore-'));
    try {
      for (const f of ['Dockerfile', 'keep.txt', 'x.log', 'cache/a', 'cache/keep/b']) {
        fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
        fs.writeFileSync(path.join(dir, f), f);
      }
      fs.writeFileSync(path.join(dir, '.dockerignore'), 'Dockerfile\n*.log\ncache\n!cache/keep/b\n');
      const sent = contextFiles(
        dir,
        parseDockerignore(fs.readFileSync(path.join(dir, '.dockerignore'), 'utf8')),
      );
      assert.deepEqual(sent.sort(), ['.dockerignore', 'Dockerfile', 'cache/keep/b', 'keep.txt']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
