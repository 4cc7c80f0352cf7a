import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { cachePath } from '../core/artifact.js';
import { fakeArtifact, layout } from './testing/repo-server.js';
import { serve, setup } from './testing/setup.js';

test('a leftover .part is resumed with a Range request', async (t) => {
  const a = fakeArtifact('alpha', 200_000);
  const server = await serve(t, { files: layout([a]) });
  const { resolver, cacheDir } = setup(t, server.url);
  const target = cachePath(cacheDir, a.artifact);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(`${target}.part`, a.bytes.subarray(0, 100_000));

  await resolver.ensure([a.artifact]);

  assert.deepEqual(
    server.hits(a.artifact).map((r) => r.range),
    ['bytes=100000-'],
  );
  assert.deepEqual(fs.readFileSync(target), a.bytes);
  assert.deepEqual(fs.readdirSync(path.dirname(target)), [path.basename(target)]);
});
test("a dead process's private .part is adopted and resumed", async (t) => {
  const a = fakeArtifact('alpha', 200_000);
  const server = await serve(t, { files: layout([a]) });
  const { resolver, cacheDir } = setup(t, server.url);
  const target = cachePath(cacheDir, a.artifact);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  // Above any Linux pid_max, so certainly not a live process.
  fs.writeFileSync(`${target}.part.99999999.1`, a.bytes.subarray(0, 50_000));

  await resolver.ensure([a.artifact]);

  assert.deepEqual(
    server.hits(a.artifact).map((r) => r.range),
    ['bytes=50000-'],
  );
  assert.deepEqual(fs.readFileSync(target), a.bytes);
  assert.deepEqual(fs.readdirSync(path.dirname(target)), [path.basename(target)]);
});
test('a complete .part left by a crash is verified and used without a request', async (t) => {
  const a = fakeArtifact('alpha');
  const server = await serve(t, { files: layout([a]) });
  const { resolver, cacheDir } = setup(t, server.url);
  const target = cachePath(cacheDir, a.artifact);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(`${target}.part`, a.bytes);

  await resolver.ensure([a.artifact]);

  assert.equal(server.requests.length, 0);
  assert.deepEqual(fs.readFileSync(target), a.bytes);
});
test('a server that ignores Range gets a full download instead', async (t) => {
  const a = fakeArtifact('alpha', 200_000);
  const server = await serve(t, { files: layout([a]), ignoreRange: true });
  const { resolver, cacheDir } = setup(t, server.url);
  const target = cachePath(cacheDir, a.artifact);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(`${target}.part`, a.bytes.subarray(0, 100_000));

  await resolver.ensure([a.artifact]);

  assert.equal(server.requests.length, 1);
  assert.deepEqual(fs.readFileSync(target), a.bytes);
});
test('a leftover .part with wrong bytes is thrown away and the artifact fetched whole', async (t) => {
  const a = fakeArtifact('alpha', 200_000);
  const server = await serve(t, { files: layout([a]) });
  const { resolver, cacheDir } = setup(t, server.url);
  const target = cachePath(cacheDir, a.artifact);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(`${target}.part`, Buffer.alloc(100_000, 1));

  await resolver.ensure([a.artifact]);

  assert.deepEqual(
    server.hits(a.artifact).map((r) => r.range),
    ['bytes=100000-', undefined],
  );
  assert.deepEqual(fs.readFileSync(target), a.bytes);
});
