import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { cachePath, repositoryPath } from '../core/artifact.js';
import type { LockedArtifact } from '../core/artifact.js';
import { isFlotillaError } from '../core/errors.js';
import { closedPort, fakeArtifact, layout } from './testing/repo-server.js';
import { serve, setup } from './testing/setup.js';

test('a fresh download lands at its cache path with the pinned bytes, in lock order', async (t) => {
  const a = fakeArtifact('alpha');
  const b = fakeArtifact('beta', 3000);
  const server = await serve(t, { files: layout([a, b]) });
  const { resolver, cacheDir, events } = setup(t, server.url);

  const paths = await resolver.ensure([a.artifact, b.artifact]);

  assert.deepEqual(paths, [cachePath(cacheDir, a.artifact), cachePath(cacheDir, b.artifact)]);
  assert.deepEqual(fs.readFileSync(paths[0]!), a.bytes);
  assert.deepEqual(fs.readFileSync(paths[1]!), b.bytes);
  assert.deepEqual(
    fs.readdirSync(path.dirname(paths[0]!)),
    [path.basename(paths[0]!)],
    'no .part left behind',
  );
  const last = events.filter((e) => e.artifact === a.artifact).pop();
  assert.deepEqual(last, {
    artifact: a.artifact,
    bytes: a.bytes.length,
    total: a.bytes.length,
    done: true,
    fromCache: false,
  });
});

test('a second ensure, even from another resolver, makes no request', async (t) => {
  const a = fakeArtifact('alpha');
  const server = await serve(t, { files: layout([a]) });
  const { resolver, make, events } = setup(t, server.url);
  await resolver.ensure([a.artifact]);
  assert.equal(server.requests.length, 1);

  await resolver.ensure([a.artifact]);
  await make().ensure([a.artifact]);

  assert.equal(server.requests.length, 1);
  assert.equal(events.at(-1)?.fromCache, true);
});

test('a corrupted cache file is detected, deleted and fetched again', async (t) => {
  const a = fakeArtifact('alpha');
  const server = await serve(t, { files: layout([a]) });
  const { resolver } = setup(t, server.url);
  const [file] = await resolver.ensure([a.artifact]);

  const bad = Buffer.from(a.bytes);
  bad[100] = bad[100]! ^ 0xff;
  fs.writeFileSync(file!, bad);
  assert.deepEqual((await resolver.verify([a.artifact])).corrupt, [a.artifact]);
  await resolver.ensure([a.artifact]);

  assert.equal(server.requests.length, 2);
  assert.deepEqual(fs.readFileSync(file!), a.bytes);
});

test('a wrong pinned hash gives ARTIFACT_CORRUPT and leaves nothing at the final path', async (t) => {
  const a = fakeArtifact('alpha');
  const server = await serve(t, { files: layout([a]) });
  const { resolver, cacheDir } = setup(t, server.url);
  const wrong: LockedArtifact = { ...a.artifact, sha256: 'ab'.repeat(32) };

  await assert.rejects(resolver.ensure([wrong]), (err: unknown) => {
    assert.ok(isFlotillaError(err));
    assert.equal(err.code, 'ARTIFACT_CORRUPT');
    assert.match(err.message, /org\.example\.flotilla:alpha:1\.0\.0/);
    assert.ok(err.message.includes(wrong.sha256), 'names the expected hash');
    assert.ok(err.message.includes(a.artifact.sha256), 'names the actual hash');
    assert.ok(err.message.includes(`${server.url}/${repositoryPath(a.artifact)}`), 'names the URL');
    return true;
  });
  const target = cachePath(cacheDir, wrong);
  assert.equal(fs.existsSync(target), false);
  assert.deepEqual(fs.readdirSync(path.dirname(target)), [], 'no partial file either');
});

test('a jar in the local Maven repository with the right hash is used without any request', async (t) => {
  const a = fakeArtifact('alpha');
  const port = await closedPort();
  const { resolver, home, events } = setup(t, `http://127.0.0.1:${port}/maven2`);
  const local = path.join(home, '.m2', 'repository', repositoryPath(a.artifact));
  fs.mkdirSync(path.dirname(local), { recursive: true });
  fs.writeFileSync(local, a.bytes);

  const [file] = await resolver.ensure([a.artifact]);

  assert.deepEqual(fs.readFileSync(file!), a.bytes);
  assert.equal(events.at(-1)?.fromCache, true);
  assert.deepEqual(fs.readFileSync(local), a.bytes, 'the local repository is left as it was');
});

test('a local jar with other bytes is ignored and the artifact downloaded', async (t) => {
  const a = fakeArtifact('alpha');
  const server = await serve(t, { files: layout([a]) });
  const { resolver, home } = setup(t, server.url);
  const local = path.join(home, '.m2', 'repository', repositoryPath(a.artifact));
  fs.mkdirSync(path.dirname(local), { recursive: true });
  fs.writeFileSync(local, Buffer.alloc(a.bytes.length, 7));

  const [file] = await resolver.ensure([a.artifact]);

  assert.equal(server.requests.length, 1);
  assert.deepEqual(fs.readFileSync(file!), a.bytes);
});

test('two concurrent ensures of the same artifact share one download', async (t) => {
  const a = fakeArtifact('alpha');
  const server = await serve(t, {
    files: layout([a]),
    // Hold the answer so that the second ensure certainly starts while the first is downloading.
    handle: (_req, res, body) => {
      setTimeout(() => res.writeHead(200, { 'content-length': body!.length }).end(body), 100);
      return true;
    },
  });
  const { resolver, make } = setup(t, server.url);

  const [one, two] = await Promise.all([resolver.ensure([a.artifact]), make().ensure([a.artifact])]);

  assert.deepEqual(one, two);
  assert.equal(server.requests.length, 1);
  assert.deepEqual(fs.readFileSync(one[0]!), a.bytes);
});

test('verify reports what is present, missing and corrupt without fetching', async (t) => {
  const [a, b, c] = [fakeArtifact('alpha', 500), fakeArtifact('beta', 500), fakeArtifact('gamma', 500)];
  const server = await serve(t, { files: layout([a, b, c]) });
  const { resolver, cacheDir } = setup(t, server.url);
  await resolver.ensure([a.artifact, c.artifact]);
  fs.writeFileSync(cachePath(cacheDir, c.artifact), 'not the jar');

  const result = await resolver.verify([a.artifact, b.artifact, c.artifact]);

  assert.deepEqual(result, {
    ok: [cachePath(cacheDir, a.artifact)],
    missing: [b.artifact],
    corrupt: [c.artifact],
  });
  assert.equal(server.requests.length, 2);
});

test('a 404 from every remote names the artifact and each URL', async (t) => {
  const a = fakeArtifact('alpha');
  const one = await serve(t, { files: new Map() });
  const two = await serve(t, { files: new Map() });
  const { resolver } = setup(t, `${one.url},${two.url}`);

  await assert.rejects(resolver.ensure([a.artifact]), (err: unknown) => {
    assert.ok(isFlotillaError(err));
    assert.equal(err.code, 'ARTIFACT_NOT_FOUND');
    assert.match(err.message, /org\.example\.flotilla:alpha:1\.0\.0/);
    assert.ok(err.message.includes(`${one.url}/${repositoryPath(a.artifact)} (HTTP 404)`));
    assert.ok(err.message.includes(`${two.url}/${repositoryPath(a.artifact)} (HTTP 404)`));
    return true;
  });
});

test('the second remote serves what the first lacks', async (t) => {
  const a = fakeArtifact('alpha');
  const empty = await serve(t, { files: new Map() });
  const full = await serve(t, { files: layout([a]) });
  const { resolver } = setup(t, `${empty.url},${full.url}`);

  const [file] = await resolver.ensure([a.artifact]);

  assert.deepEqual(fs.readFileSync(file!), a.bytes);
  assert.equal(empty.requests.length, 1);
});
