/**
 * Runtime images. The unit tests need nothing; the rest need a Docker engine (DOCKER_HOST or
 * /var/run/docker.sock; `bash scripts/docker-engine.sh` starts one) and are skipped, loudly, without.
 *
 * The base image flotilla/base:bookworm is built (debootstrap, ~1 min, as root) only when missing
 * and is left in place, as are the catalog images built here: CI builds them once, and every Docker
 * test after that (the driver's included) reuses them. FLOTILLA_TEST_REBUILD_BASE=1 also
 * bootstraps a throwaway base, to test debootstrap itself on a machine that already has one.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { someDeps } from '../api/deps.js';
import { buildServer } from '../api/server.js';
import { getPackage } from '../catalog/registry.js';
import { TEST_ARTIFACTS } from '../catalog/zookeeper/testing/jars.js';
import { cachePath, type LockFile } from '../core/artifact.js';
import { pathsFor } from '../core/paths.js';
import { isFlotillaError } from '../core/errors.js';
import { demux, describeAddress, Engine } from '../drivers/docker/engine.js';
import { buildBaseImage, debianMirror, ensureBaseImage } from './base.js';
import { buildFromContext, imageExists, shareBuild } from './build.js';
import { catalogImages, packageImage } from './catalog.js';
import { ensureImage } from './ensure.js';
import { BASE_IMAGE, CONTAINER_ARTIFACTS_DIR, CONTAINER_JAVA, containerBinary } from './layout.js';
import { listImages } from './list.js';
import { aptPackages, imageFor, javaPackages } from './recipe.js';

const zookeeper = getPackage('zookeeper');

describe('imageFor', () => {
  it('names the image by package, version and a hash of what goes in', () => {
    const ref = imageFor(zookeeper, {}, { base: BASE_IMAGE });
    assert.match(ref.name, /^flotilla\/zookeeper:3\.8\.4-[0-9a-f]{12}$/);
    assert.equal(imageFor(zookeeper, {}, { base: BASE_IMAGE }).name, ref.name, 'same inputs, same tag');
    assert.deepEqual(ref.debianPackages, ['bash', 'openjdk-17-jre-headless', 'procps']);
    assert.equal(ref.artifacts.length, zookeeper.jvm!.lock({}).artifacts.length);
    const lines = ref.dockerfile.split('\n');
    assert.equal(lines[1], `FROM ${BASE_IMAGE}`);
    assert.ok(lines.includes(`COPY artifacts/ ${CONTAINER_ARTIFACTS_DIR}/`));
    // The labels last, so that every JVM package shares the RUN layer.
    assert.match(lines.at(-2)!, /^LABEL io\.flotilla\.package="zookeeper" io\.flotilla\.version="3\.8\.4"$/);
  });

  it('gives another tag when the lock or the base changes', () => {
    const ref = imageFor(zookeeper, {}, { base: BASE_IMAGE });
    const lock = zookeeper.jvm!.lock({});
    const relocked: LockFile = {
      ...lock,
      artifacts: lock.artifacts.map((a, i) => (i === 0 ? { ...a, sha256: 'f'.repeat(64) } : a)),
    };
    const changed = { ...zookeeper, jvm: { ...zookeeper.jvm!, lock: () => relocked } };
    assert.notEqual(imageFor(changed, {}, { base: BASE_IMAGE }).name, ref.name);
    assert.notEqual(imageFor(zookeeper, {}, { base: 'example/debian:12' }).name, ref.name);
  });

  it('makes an image for every package that runs in containers: not Spark nor Cassandra yet', () => {
    const byName = new Map(catalogImages(BASE_IMAGE).map((c) => [`${c.package}@${c.version}`, c]));
    for (const p of ['redis@1.0.0', 'zookeeper@3.8.4', 'kafka@3.9.1', 'kafka@4.3.1'])
      assert.ok(byName.get(p) && 'ref' in byName.get(p)!, `${p} has an image`);
    for (const name of ['spark', 'cassandra']) {
      const entry = [...byName.values()].find((c) => c.package === name);
      assert.ok(entry && 'unsupported' in entry, `${name} has no image`);
      assert.match(entry.unsupported, /process driver/);
    }
    assert.throws(
      () => packageImage('spark'),
      (e) => isFlotillaError(e) && e.code === 'DRIVER_UNSUPPORTED',
    );
    const kafka3 = packageImage('kafka@3.9.1', BASE_IMAGE);
    const kafka4 = packageImage('kafka@4.3.1', BASE_IMAGE);
    assert.notEqual(kafka3.name, kafka4.name);
    assert.ok(kafka3.artifacts.some((a) => a.artifactId === 'kafka_2.13' && a.version === '3.9.1'));
  });

  it('reads Debian packages from install hints and picks the Java Debian carries', () => {
    assert.deepEqual(aptPackages('sudo apt-get install -y redis-server'), ['redis-server']);
    assert.deepEqual(aptPackages('apt install -y --no-install-recommends ab b+c'), ['ab', 'b+c']);
    assert.deepEqual(aptPackages('brew install redis'), []);
    const jvm = (min: number, max?: number) =>
      javaPackages({
        ...zookeeper,
        jvm: { lock: zookeeper.jvm!.lock, javaMajor: { min, ...(max ? { max } : {}) } },
      });
    assert.deepEqual(jvm(11), ['openjdk-17-jre-headless']);
    assert.deepEqual(jvm(17, 17), ['openjdk-17-jre-headless']);
    assert.deepEqual(jvm(21), ['openjdk-21-jre-headless']);
    assert.deepEqual(jvm(8, 11), ['openjdk-8-jre-headless']);
  });

  it("bootstraps from FLOTILLA_DEBIAN_MIRROR, else apt's first source", () => {
    const deb822 = '# snapshot\nTypes: deb\nURIs: http://mirror.example/debian/\nSuites: bookworm\n';
    assert.equal(debianMirror({}, deb822), 'http://mirror.example/debian');
    assert.equal(
      debianMirror({}, 'deb [signed-by=/k.gpg] https://m.example/d bookworm main\n'),
      'https://m.example/d',
    );
    assert.equal(debianMirror({}, 'deb cdrom:[Debian]/ bookworm main\n'), 'http://deb.debian.org/debian');
    assert.equal(debianMirror({ FLOTILLA_DEBIAN_MIRROR: 'http://x/debian' }, deb822), 'http://x/debian');
  });

  it('shares one build among concurrent callers of one tag', async () => {
    const engine = new Engine({ socketPath: '/nonexistent' });
    let builds = 0;
    const seen: string[][] = [[], []];
    const build = async (progress: (l: string) => void) => {
      builds++;
      await new Promise((r) => setTimeout(r, 20));
      progress('step');
    };
    await Promise.all([0, 1].map((i) => shareBuild(engine, 'x:1', (l) => seen[i]!.push(l), build)));
    assert.equal(builds, 1);
    assert.deepEqual(seen, [['step'], ['step']]);
    await shareBuild(engine, 'x:1', undefined, build);
    assert.equal(builds, 2, 'a later call builds again');
  });
});

/** Runs `cmd` in a throwaway container; its exit code and output. */
async function runIn(
  engine: Engine,
  image: string,
  cmd: string[],
): Promise<{ code: number; output: string }> {
  const { Id } = await engine.json<{ Id: string }>({
    method: 'POST',
    path: '/containers/create',
    body: { Image: image, Cmd: cmd, Labels: { 'io.flotilla.test': 'images' } },
  });
  try {
    await engine.json({ method: 'POST', path: `/containers/${Id}/start` });
    const { StatusCode } = await engine.json<{ StatusCode: number }>({
      method: 'POST',
      path: `/containers/${Id}/wait`,
      timeoutMs: 120_000,
    });
    const logs = await engine.raw({ path: `/containers/${Id}/logs`, query: { stdout: 1, stderr: 1 } });
    const chunks: Buffer[] = [];
    demux(logs, (_kind, data) => chunks.push(Buffer.from(data)));
    await new Promise((r) => logs.on('end', r));
    return { code: StatusCode, output: Buffer.concat(chunks).toString('utf8') };
  } finally {
    await engine.json({ method: 'DELETE', path: `/containers/${Id}`, query: { force: 1 } });
  }
}

async function removeImage(engine: Engine, name: string): Promise<void> {
  if (await imageExists(engine, name))
    await engine.json({ method: 'DELETE', path: `/images/${name}`, query: { force: 1 } });
}
const engine = new Engine();
const noEngine = await engine.version().then(
  () => false as const,
  (err: Error) => `no Docker engine answers at ${describeAddress(engine.address)}: ${err.message}`,
);
if (noEngine) {
  console.warn(
    `\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n` +
      `!!! SKIPPING the Docker image tests: ${noEngine}\n` +
      `!!! Start one with \`bash scripts/docker-engine.sh\`, or point DOCKER_HOST at one.\n` +
      `!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n`,
  );
}

/** Lines of a build, for the failure message of a test. */
function recorder(): { lines: string[]; onProgress: (l: string) => void } {
  const lines: string[] = [];
  return { lines, onProgress: (l) => lines.push(l) };
}

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

describe('images on the Docker engine', { skip: noEngine, timeout: 20 * 60_000 }, () => {
  const scratch: string[] = [];
  const dirs: string[] = [];
  const mkdir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-images-test-'));
    dirs.push(dir);
    return dir;
  };

  before(async () => {
    const t0 = Date.now();
    const { built } = await ensureBaseImage(engine, { base: BASE_IMAGE });
    console.log(`base ${BASE_IMAGE}: ${built ? `built in ${seconds(t0)}` : 'present'}`);
  });

  after(async () => {
    for (const name of scratch) await removeImage(engine, name);
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
    engine.close();
  });

  it(
    'bootstraps a base with debootstrap (FLOTILLA_TEST_REBUILD_BASE=1)',
    {
      skip:
        process.env.FLOTILLA_TEST_REBUILD_BASE === '1'
          ? false
          : `${BASE_IMAGE} is present; set FLOTILLA_TEST_REBUILD_BASE=1`,
    },
    async () => {
      const name = `flotilla/base:test-${process.pid}`;
      scratch.push(name);
      const t0 = Date.now();
      await buildBaseImage(engine, { name });
      console.log(`debootstrap base: ${seconds(t0)}`);
      const run = await runIn(engine, name, [
        '/bin/sh',
        '-c',
        'cat /etc/debian_version; test -x /usr/sbin/policy-rc.d',
      ]);
      assert.equal(run.code, 0, run.output);
      assert.match(run.output, /^12\./);
    },
  );

  it('builds the Redis image, whose redis-server runs', async () => {
    const ref = packageImage('redis', BASE_IMAGE);
    const log = recorder();
    const t0 = Date.now();
    const { built } = await ensureImage(engine, ref, {
      artifactsDir: TEST_ARTIFACTS,
      onProgress: log.onProgress,
    });
    console.log(`${ref.name}: ${built ? `built in ${seconds(t0)}` : 'present'}`);
    const run = await runIn(engine, ref.name, [containerBinary('redis-server'), '--version']);
    assert.equal(run.code, 0, run.output);
    assert.match(run.output, /Redis server v=7\./);
    const again = await ensureImage(engine, ref, { artifactsDir: TEST_ARTIFACTS });
    assert.equal(again.built, false);
  });

  it('builds the ZooKeeper image with its verified jars at their cache paths', async () => {
    const ref = packageImage('zookeeper', BASE_IMAGE);
    const t0 = Date.now();
    const { built } = await ensureImage(engine, ref, { artifactsDir: TEST_ARTIFACTS });
    console.log(`${ref.name}: ${built ? `built in ${seconds(t0)}` : 'present'}`);
    const jar = ref.artifacts.find((a) => a.artifactId === 'zookeeper')!;
    const inside = cachePath(CONTAINER_ARTIFACTS_DIR, jar);
    // sha256sum checks the bytes, and that a task (any uid) may read them; then the JRE answers.
    const script = 'sha256sum "$1" && test "$(stat -c %a "$1")" = 644 && "$2" -version';
    const run = await runIn(engine, ref.name, ['/bin/bash', '-c', script, 'check', inside, CONTAINER_JAVA]);
    assert.equal(run.code, 0, run.output);
    assert.ok(run.output.includes(`${jar.sha256}  ${inside}`), run.output);
    assert.match(run.output, /openjdk version "17\./);
    const listed = await listImages(engine);
    const mine = listed.find((i) => i.name === ref.name);
    assert.ok(mine, `listImages shows ${ref.name}`);
    assert.equal(mine.package, 'zookeeper');
    assert.ok(mine.size > 100 * 2 ** 20);
  });

  it('builds and lists through the API, streaming progress as NDJSON', async () => {
    const home = mkdir();
    const app = await buildServer(
      someDeps({
        auth: false,
        paths: { ...pathsFor(home), artifacts: TEST_ARTIFACTS },
        engine: () => engine,
      }),
    );
    try {
      const redis = packageImage('redis', BASE_IMAGE).name;
      const res = await app.inject({
        method: 'POST',
        url: '/v1/images/build',
        payload: { packages: ['redis'] },
      });
      assert.equal(res.statusCode, 200, res.body);
      const lines = res.body
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.equal(lines[0]!.type, 'start');
      assert.deepEqual(lines.at(-1), { type: 'done', builtImages: [], presentImages: [BASE_IMAGE, redis] });
      const spark = await app.inject({
        method: 'POST',
        url: '/v1/images/build',
        payload: { packages: ['spark'] },
      });
      assert.equal(spark.statusCode, 501);
      assert.equal(spark.json().code, 'DRIVER_UNSUPPORTED');
      const list = await app.inject({ method: 'GET', url: '/v1/images' });
      assert.equal(list.statusCode, 200, list.body);
      assert.ok((list.json() as { name: string }[]).some((i) => i.name === redis));
    } finally {
      await app.close();
    }
  });

  it('builds a user context with build arguments', async () => {
    const dir = mkdir();
    fs.mkdirSync(path.join(dir, 'docker'));
    fs.writeFileSync(
      path.join(dir, 'docker', 'App.dockerfile'),
      `FROM ${BASE_IMAGE}\nARG GREETING\nCOPY hello.txt /hello.txt\nRUN echo "$GREETING" >> /hello.txt\n`,
    );
    fs.writeFileSync(path.join(dir, 'hello.txt'), 'from the context\n');
    const tag = `flotilla/test-context:${process.pid}`;
    scratch.push(tag);
    await buildFromContext(
      engine,
      { context: dir, dockerfile: 'docker/App.dockerfile', args: { GREETING: 'hi there' } },
      tag,
    );
    const run = await runIn(engine, tag, ['cat', '/hello.txt']);
    assert.equal(run.output, 'from the context\nhi there\n');
  });

  it('reports a failing build as IMAGE_BUILD_FAILED with its output', async () => {
    const dir = mkdir();
    fs.writeFileSync(
      path.join(dir, 'Dockerfile'),
      `FROM ${BASE_IMAGE}\nRUN echo "about to fail" && echo "on stderr" >&2 && exit 3\n`,
    );
    const tag = `flotilla/test-broken:${process.pid}`;
    scratch.push(tag);
    const log = recorder();
    await assert.rejects(buildFromContext(engine, { context: dir }, tag, log.onProgress), (err) => {
      assert.ok(isFlotillaError(err) && err.code === 'IMAGE_BUILD_FAILED', String(err));
      assert.match(err.message, /building flotilla\/test-broken:\d+ failed: .*non-zero code: 3/);
      assert.match(err.message, /about to fail/);
      assert.match(err.message, /on stderr/);
      return true;
    });
    assert.ok(log.lines.some((l) => l.includes('about to fail')));
    await assert.rejects(
      buildFromContext(engine, { context: dir, dockerfile: '../outside' }, tag),
      (err) =>
        isFlotillaError(err) &&
        err.code === 'IMAGE_BUILD_FAILED' &&
        /inside its build context/.test(err.message),
    );
  });
});
