import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ImagePullLine } from '../../src/core/streams.js';
import type { Engine } from '../../src/drivers/docker/engine.js';
import { imageExists } from '../../src/images/build.js';
import { dockerEngine } from '../helpers/docker.js';
import { TestHome } from '../helpers/flotilla.js';
import { buildUniqueImage, removeImages, silentServer, TestRegistry } from '../helpers/registry.js';

const probe = await dockerEngine();
const skip = 'skip' in probe ? probe.skip : TestRegistry.available();
if (skip) console.error(skip);
if (!('skip' in probe)) probe.engine.close();

/**
 * Pulls as Compose does them, against real registries on loopback (Debian's docker-registry) that
 * hold images this test built and pushed: one open, one behind basic auth, and a port that accepts
 * and never answers.
 */
describe('image pulls from a registry', { skip }, () => {
  const home = new TestHome({ driver: 'docker' });
  const dockerConfig = path.join(home.home, 'docker-config');
  const tag = `flotilla-pulltest-${process.pid}`;
  let engine: Engine;
  let open: TestRegistry;
  let locked: TestRegistry;
  let openImage = '';
  let lockedImage = '';
  let healthImage = '';
  const pulled: string[] = [];

  before(async () => {
    engine = ((await dockerEngine()) as { engine: Engine }).engine;
    fs.mkdirSync(dockerConfig, { recursive: true });
    home.env.DOCKER_CONFIG = dockerConfig;
    home.env.FLOTILLA_PULL_TIMEOUT = '3';
    open = await TestRegistry.start();
    locked = await TestRegistry.start({ username: 'flt', password: 'pull-secret' });
    await buildUniqueImage(engine, `${tag}:1`, 8 << 20);
    openImage = await open.push(engine, `${tag}:1`, 'team/app');
    lockedImage = await locked.push(engine, `${tag}:1`, 'team/private');
    await buildUniqueImage(
      engine,
      `${tag}:health`,
      1 << 20,
      'HEALTHCHECK --interval=1s --timeout=2s --retries=2 CMD test -e /tmp/healthy\n',
    );
    healthImage = await open.push(engine, `${tag}:health`, 'team/health');
    pulled.push(openImage, lockedImage, healthImage);
    // The layer of its own goes with the last tag: a pull must download it again.
    await removeImages(engine, [`${tag}:1`, `${tag}:health`]);
    assert.equal(await imageExists(engine, openImage), false);
  });
  after(async () => {
    assert.equal(await home.cleanup(), 0, 'no container may outlive the test');
    await removeImages(engine, [...pulled, `${tag}:1`]);
    await open?.stop();
    await locked?.stop();
    engine.close();
  });

  it('pulls a missing image with layer progress, in the CLI and in the API stream', async () => {
    const r = await home.cli(['images', 'pull', openImage, '--verbose']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Pull complete/, 'each layer reports its progress');
    assert.match(r.stderr, new RegExp(`${openImage.replace(/[.]/g, '\\.')}: pulled from 127\\.0\\.0\\.1:`));
    assert.ok(await imageExists(engine, openImage));
    await removeImages(engine, [openImage]);
    const lines: ImagePullLine[] = [];
    const done = await home.client().pullImages({ images: [openImage, openImage] }, (l) => lines.push(l));
    assert.deepEqual(done.pulledImages, [openImage], 'one pull for an image named twice');
    const layers = lines.filter((l) => l.type === 'progress' && l.layer);
    assert.ok(
      layers.some((l) => l.status === 'Downloading' || l.status === 'Pull complete'),
      'layer events',
    );
    const image = lines.find((l) => l.type === 'image');
    assert.ok((image?.bytes ?? 0) > 8_000_000, `the 8 MB layer was downloaded (${image?.bytes})`);
  });

  it('pulls a missing image on `up` (pull_policy missing is the default) with layer progress, and runs it', async () => {
    await removeImages(engine, [openImage]);
    const dir = path.join(home.home, 'pulled');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'compose.yaml'),
      `services:\n  app:\n    image: ${openImage}\n    command: ["sleep", "infinity"]\n`,
    );
    const up = await home.cli(
      ['up', '-f', path.join(dir, 'compose.yaml'), '--wait', '--timeout', '120'],
      180_000,
    );
    assert.equal(up.code, 0, up.stderr);
    // Each layer's status as it changes (stderr is not a terminal here), then the image's summary.
    const image = openImage.replace(/[.]/g, '\\.');
    assert.match(up.stderr, new RegExp(`^${image}: [0-9a-f]{12}: Pull complete$`, 'm'));
    assert.match(up.stderr, new RegExp(`^${image}: (\\d+)/\\1 layers, [\\d.]+/[\\d.]+ MB: pulled$`, 'm'));
    const task = await home.client().getTask('app.1');
    assert.equal(task.state, 'running');
    assert.ok(await imageExists(engine, openImage));
    await home.ok(['down', 'pulled']);
  });

  it("uses a pulled image's own HEALTHCHECK when the file gives none", async () => {
    const dir = path.join(home.home, 'baked');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'compose.yaml'),
      `services:\n  checked:\n    image: ${healthImage}\n` +
        `    command: ["sh", "-c", "sleep 2; touch /tmp/healthy; exec sleep infinity"]\n`,
    );
    await home.ok(['up', '-f', path.join(dir, 'compose.yaml'), '--wait', '--timeout', '120'], 180_000);
    const task = await home.client().getTask('checked.1');
    assert.equal(task.state, 'healthy', 'the HEALTHCHECK of the image decides the task is healthy');
    await home.ok(['down', 'baked']);
  });

  it("refuses an image behind basic auth without credentials, and pulls it with the caller's or the daemon's config.json", async () => {
    const refused = await home.cli(['images', 'pull', lockedImage, '--json']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /IMAGE_PULL_DENIED/);
    assert.match(refused.stderr, new RegExp(locked.address));
    const auth = Buffer.from('flt:pull-secret').toString('base64');
    const config = JSON.stringify({ auths: { [`http://${locked.address}`]: { auth } } });

    // The calling user's config.json, which the running daemon never reads: the CLI sends it, for
    // `images pull` and for `up`.
    const caller = path.join(home.home, 'caller-docker');
    fs.mkdirSync(caller, { recursive: true });
    fs.writeFileSync(path.join(caller, 'config.json'), config);
    const dir = path.join(home.home, 'locked');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'compose.yaml'),
      `services:\n  private:\n    image: ${lockedImage}\n    command: ["sleep", "infinity"]\n`,
    );
    home.env.DOCKER_CONFIG = caller;
    try {
      const pulled = await home.cli(['images', 'pull', lockedImage]);
      assert.equal(pulled.code, 0, pulled.stderr);
      await removeImages(engine, [lockedImage]);
      const up = await home.cli(
        ['up', '-f', path.join(dir, 'compose.yaml'), '--wait', '--timeout', '120'],
        180_000,
      );
      assert.equal(up.code, 0, up.stderr);
      assert.equal((await home.client().getTask('private.1')).state, 'running');
      await home.ok(['down', 'locked']);
    } finally {
      home.env.DOCKER_CONFIG = dockerConfig;
    }
    await removeImages(engine, [lockedImage]);

    // The daemon user's own config.json.
    fs.writeFileSync(path.join(dockerConfig, 'config.json'), config);
    try {
      const r = await home.cli(['images', 'pull', lockedImage]);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(await imageExists(engine, lockedImage));
    } finally {
      fs.rmSync(path.join(dockerConfig, 'config.json'));
    }
  });

  it('pull_policy: always and `up --pull always` fetch a newer image under the same tag; missing keeps the one here', async () => {
    // The registry's team/rolling:1 is image B; the engine's own copy of that name is image A.
    await buildUniqueImage(engine, `${tag}:a`, 1 << 20);
    await buildUniqueImage(engine, `${tag}:b`, 1 << 20);
    const rolling = await open.push(engine, `${tag}:b`, 'team/rolling');
    pulled.push(rolling, `${tag}:a`, `${tag}:b`);
    const idOf = async (name: string) =>
      (await engine.json<{ Id: string }>({ path: `/images/${name}/json` })).Id;
    const [a, b] = [await idOf(`${tag}:a`), await idOf(`${tag}:b`)];
    // By id too: the one a pull moved the tag off keeps the registry's digest, and its name with it.
    pulled.push(a, b);
    const [repo, version] = [
      rolling.slice(0, rolling.lastIndexOf(':')),
      rolling.slice(rolling.lastIndexOf(':') + 1),
    ];
    const hereIsA = () =>
      engine.json({ method: 'POST', path: `/images/${tag}:a/tag`, query: { repo, tag: version } });
    const dir = path.join(home.home, 'rolling');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'compose.yaml');
    const up = async (policy: string | null, flags: string[] = []) => {
      fs.writeFileSync(
        file,
        `services:\n  app:\n    image: ${rolling}\n${policy ? `    pull_policy: ${policy}\n` : ''}` +
          `    command: ["sleep", "infinity"]\n`,
      );
      await home.ok(['up', '-f', file, ...flags, '--wait', '--timeout', '120'], 180_000);
      const running = await idOf(rolling);
      await home.ok(['down', 'rolling']);
      return running;
    };
    await hereIsA();
    assert.equal(await up(null), a, 'missing (the default): the image here is used');
    assert.equal(await up('always'), b, 'pull_policy: always pulls the newer one');
    await hereIsA();
    assert.equal(await up(null, ['--pull', 'always']), b, '`up --pull always` pulls it too');
    await hereIsA();
    assert.equal(await up('always', ['--pull', 'missing']), a, '`up --pull missing` overrides the file');
  });

  it('refuses pull_policy: never with a missing image, before anything is stored', async () => {
    await removeImages(engine, [openImage]);
    const dir = path.join(home.home, 'never');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'compose.yaml'),
      `services:\n  app:\n    image: ${openImage}\n    pull_policy: never\n    command: ["sleep", "infinity"]\n`,
    );
    const r = await home.cli(['up', '-f', path.join(dir, 'compose.yaml'), '--json']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /IMAGE_MISSING/);
    assert.match(r.stderr, /pull_policy: never/);
    const stacks = await home.client().listStacks();
    assert.equal(
      stacks.some((s) => s.name === 'never'),
      false,
    );
    assert.equal(await imageExists(engine, openImage), false, 'nothing was pulled');
  });

  it('gives REGISTRY_UNREACHABLE, naming the ways out, when a registry does not answer', async () => {
    const silent = await silentServer();
    try {
      const t0 = Date.now();
      const r = await home.cli(['images', 'pull', `${silent.address}/team/app:1`, '--json']);
      const seconds = (Date.now() - t0) / 1000;
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /REGISTRY_UNREACHABLE/);
      assert.match(r.stderr, new RegExp(silent.address));
      assert.match(r.stderr, /registry-mirrors/);
      assert.match(r.stderr, /docker load/);
      assert.match(r.stderr, /build:/);
      // FLOTILLA_PULL_TIMEOUT=3 here; the CLI's start and the daemon's round trips come on top.
      assert.ok(seconds < 20, `answered within its timeout (${seconds} s)`);
    } finally {
      await silent.close();
    }
    // A port nothing listens on: refused at once.
    const closed = await home.cli(['images', 'pull', '127.0.0.1:1/team/app:1', '--json']);
    assert.match(closed.stderr, /REGISTRY_UNREACHABLE/);
  });
});
