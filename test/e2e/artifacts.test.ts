import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { cachePath, type LockFile } from '../../src/core/artifact.js';
import { REPO, TestHome } from '../helpers/flotilla.js';

const lock = JSON.parse(
  fs.readFileSync(path.join(REPO, 'src/catalog/zookeeper/locks/3.8.4.lock.json'), 'utf8'),
) as LockFile;
const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe('pinned artifacts', () => {
  const homes: TestHome[] = [];
  const dirs: string[] = [];
  const scratch = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-artifacts-'));
    dirs.push(d);
    return d;
  };
  const home = (env: Record<string, string>) => {
    const h = new TestHome();
    Object.assign(h.env, env);
    homes.push(h);
    return h;
  };
  after(async () => {
    for (const h of homes) assert.equal(await h.cleanup(), 0);
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('detects a corrupted jar in the cache, fetches it again, and never runs it', async () => {
    const cache = scratch();
    const h = home({ FLOTILLA_ARTIFACTS: cache });
    await h.ok(['artifacts', 'fetch', 'zookeeper']);
    const victim = lock.artifacts.find((a) => a.artifactId === 'zookeeper')!;
    const file = cachePath(cache, victim);
    assert.equal(sha256(file), victim.sha256);
    // A new file, not a write in place: the cache may share its inode with ~/.m2/repository.
    fs.rmSync(file);
    fs.writeFileSync(file, 'not a jar');
    const stack = path.join(h.home, 'zk.yml');
    fs.writeFileSync(stack, 'name: zk\nservices:\n  zk: { package: zookeeper }\n');
    await h.ok(['up', '-f', stack, '--wait', '--timeout', '120']);
    assert.equal(sha256(file), victim.sha256, 'the jar was fetched again before the task ran');
    assert.equal((await h.client().getTask('zk.zk-0')).state, 'healthy');
  });

  it('names the URL it tried and the setting that changes it when the repository is unreachable', async () => {
    const h = home({
      FLOTILLA_ARTIFACTS: scratch(),
      FLOTILLA_MAVEN_REPO: 'http://127.0.0.1:1/maven2',
      // No local Maven repository to fall back on.
      HOME: scratch(),
    });
    const r = await h.cli(['artifacts', 'fetch', 'zookeeper']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /error ARTIFACT_UNREACHABLE: /);
    assert.match(r.stderr, /http:\/\/127\.0\.0\.1:1\/maven2\/\S+\.jar/);
    assert.match(r.stderr, /FLOTILLA_MAVEN_REPO/);
  });
});
