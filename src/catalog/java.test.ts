import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { forgetJavaAnswers, inspectAllJava, resolveJava } from './java.js';

describe('Java installs remembered across daemon starts', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-java-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const java = path.join(dir, 'java');
  const asked = path.join(dir, 'asked');
  const cache = path.join(dir, 'cache', 'java-installs.json');
  fs.writeFileSync(java, `#!/bin/sh\necho x >> ${asked}\necho 'openjdk version "17.0.9" 2023-10-17' >&2\n`, {
    mode: 0o755,
  });
  const env = { FLOTILLA_JAVA: java, PATH: '' };
  const times = () => fs.readFileSync(asked, 'utf8').trim().split('\n').length;
  const start = () => {
    forgetJavaAnswers();
    inspectAllJava(cache, env);
  };

  it('asks a java once, then answers from the file while the binary is the same', () => {
    start();
    assert.equal(times(), 1);
    start();
    assert.equal(times(), 1);
    assert.equal(resolveJava({ min: 17, max: 17 }, 'test', env).path, java);
  });

  it('asks again when the binary changed', () => {
    fs.utimesSync(java, new Date(), new Date(Date.now() + 5_000));
    start();
    assert.equal(times(), 2);
  });

  it('does not take another program from the file', () => {
    const remembered = JSON.parse(fs.readFileSync(cache, 'utf8')) as Record<
      string,
      { install: { path: string } }
    >;
    remembered[java]!.install.path = '/tmp/not-java';
    fs.writeFileSync(cache, JSON.stringify(remembered));
    start();
    assert.equal(times(), 3);
    assert.equal(resolveJava({ min: 17, max: 17 }, 'test', env).path, java);
  });
});
