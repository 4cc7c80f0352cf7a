import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { ContainerSpec } from '../core/task.js';
import { Engine } from '../drivers/docker/engine.js';
import { pullImage } from '../images/pull.js';
import type { Store } from '../state/store.js';
import { TaskImages } from './images.js';

/** No stored service names a catalog image: only the container's own image is in play. */
const noServices = { tenants: { list: () => [] } } as unknown as Store;

/**
 * `pull_policy: build` against the real engine: the image is built whether it is there or not (a
 * later daemon rebuilds a changed context), where `missing` keeps the image at hand. Needs a Docker
 * engine and flotilla/base:bookworm (scripts/test-images.sh).
 */
describe('pull_policy: build', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-build-policy-'));
  const tag = `flotilla-test/build-policy:${process.pid}`;
  const engine = new Engine();
  after(async () => {
    await engine
      .raw({ method: 'DELETE', path: `/images/${tag}`, query: { force: true } })
      .catch(() => undefined);
    engine.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const imageId = async () => (await engine.json<{ Id: string }>({ path: `/images/${tag}/json` })).Id;
  const container = (pullPolicy: ContainerSpec['pullPolicy']): ContainerSpec => ({
    image: tag,
    build: { context: dir },
    ...(pullPolicy ? { pullPolicy } : {}),
    aliases: [],
    publish: [],
    mounts: [],
  });
  /** Each call is a daemon of its own: nothing remembered of earlier builds. */
  const prepare = (c: ContainerSpec) =>
    new TaskImages(
      () => engine,
      noServices,
      dir,
      () => undefined,
    ).prepare(c);

  it('rebuilds an image that is there, where missing keeps it', async () => {
    fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM flotilla/base:bookworm\nCOPY v /v\n');
    fs.writeFileSync(path.join(dir, 'v'), 'one\n');
    await prepare(container('build'));
    const first = await imageId();
    fs.writeFileSync(path.join(dir, 'v'), 'two\n');
    await prepare(container('missing'));
    assert.equal(await imageId(), first, 'missing: the image at hand is kept');
    await prepare(container('build'));
    assert.notEqual(await imageId(), first, 'build: rebuilt from the changed context');
    // The first build, untagged now, goes too.
    await engine.raw({ method: 'DELETE', path: `/images/${first}` }).catch(() => undefined);
  });
});

describe('a hung engine', () => {
  const socket = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-hung-')), 'docker.sock');
  // Accepts connections and never answers: an engine that hangs.
  const held: net.Socket[] = [];
  const server = net.createServer((s) => held.push(s));
  after(() => {
    held.forEach((s) => s.destroy());
    server.close();
    fs.rmSync(path.dirname(socket), { recursive: true, force: true });
  });

  it('is DOCKER_UNAVAILABLE with its timeout, for a version probe and for a pull', async () => {
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    const engine = new Engine({ socketPath: socket });
    try {
      await assert.rejects(
        engine.version(300),
        (err: Error & { code?: string; details?: unknown }) =>
          err.code === 'DOCKER_UNAVAILABLE' &&
          /did not answer within 300 ms/.test(err.message) &&
          (err.details as { timeoutMs?: number }).timeoutMs === 300,
      );
      const t0 = Date.now();
      await assert.rejects(
        pullImage(engine, 'registry.invalid/app:1', { env: {} }),
        (err: Error & { code?: string }) =>
          err.code === 'DOCKER_UNAVAILABLE' && /within \d+ ms/.test(err.message),
      );
      // The engine's probe timeout, not the registry's pull timeout.
      assert.ok(Date.now() - t0 < 10_000);
    } finally {
      engine.close();
    }
  });
});
