import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { appDeclaration } from '../core/declaration.js';
import { isFlotillaError } from '../core/errors.js';
import { parseApp } from '../specs/app.js';
import { planDeploy } from './plan.js';
import { DeployHarness } from './testing/harness.js';

/**
 * Issue 16, defect 3: what can never run is refused at planning with a coded error that says what to
 * change, so `up --dry-run` shows it too, and nothing is stored to crash-loop or wait for ever.
 */
describe('admission refuses what can never run', () => {
  let h: DeployHarness;
  beforeEach(() => {
    h = new DeployHarness(3);
  });
  afterEach(() => h.close());

  async function refused(source: string, code: string, mentions: RegExp): Promise<void> {
    const before = h.snapshot();
    await assert.rejects(
      () => h.apply(source),
      (err: unknown) => {
        assert.ok(isFlotillaError(err), String(err));
        assert.equal(err.code, code, err.message);
        assert.match(err.message, mentions);
        return true;
      },
    );
    assert.equal(h.snapshot(), before, 'nothing was stored');
  }

  const app = (body: string) => `name: s\napps:\n  a:\n${body}`;

  it('an empty command', async () => {
    await refused(app('    cmd: ""\n'), 'APP_INVALID', /apps\.a\.cmd: is empty/);
    await refused(app('    cmd: "   "\n'), 'APP_INVALID', /apps\.a\.cmd: is empty/);
    await refused(app('    args: []\n'), 'APP_INVALID', /apps\.a\.args: is empty/);
    await refused(app('    args: [""]\n'), 'APP_INVALID', /apps\.a\.args\[0\]: is empty/);
  });

  it("environment past the kernel's limits", async () => {
    await refused(
      app(`    cmd: sleep 9\n    env: { BIG: "${'x'.repeat(200 * 1024)}" }\n`),
      'ENV_TOO_LARGE',
      /apps\.a\.env\.BIG is 200 KiB; .*over 128 KiB/,
    );
    // Only a Marathon app (a body of up to 2 MiB) can carry more than a 1 MiB file: planned directly.
    const env = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`V${i}`, 'y'.repeat(120 * 1024)]));
    await assert.rejects(
      () =>
        planDeploy(h.ctx, {
          tenant: 'default',
          stack: null,
          declarations: [appDeclaration(parseApp({ id: 'big', cmd: 'sleep 9', env }))],
          prune: false,
          createOnly: true,
        }),
      (err: unknown) =>
        isFlotillaError(err) &&
        err.code === 'ENV_TOO_LARGE' &&
        /take 1\.2 MiB; the limit is 256 KiB/.test(err.message),
    );
    await refused(
      app(`    args: [echo, "${'z'.repeat(130 * 1024)}"]\n`),
      'ENV_TOO_LARGE',
      /apps\.a\.args\[1\]/,
    );
  });

  it('resources no node could ever offer, naming the largest node', async () => {
    await refused(
      app('    cmd: sleep 9\n    mem: 99999999\n'),
      'RESOURCES_UNSATISFIABLE',
      /task 0 asks for mem 99999999 MB, but no node could ever hold it: the largest, node-1 \(127\.0\.10\.1\), offers cpus 2, mem 4096 MB/,
    );
    await refused(
      app('    cmd: sleep 9\n    cpus: 1\n    mem: 16\n    instances: 7\n'),
      'RESOURCES_UNSATISFIABLE',
      /7 tasks ask for cpus 7 together, but all 3 nodes offer 6/,
    );
  });

  it('an image that is not there, or no engine to run it', async () => {
    const compose = 'services:\n  web:\n    image: nosuch/image:1\n';
    h.docker.images = new Set(['present/image:1']);
    await refused(compose, 'IMAGE_MISSING', /nosuch\/image:1/);
    h.docker.engine = false;
    await refused(compose, 'DOCKER_UNAVAILABLE', /no Docker engine/);
    h.docker.engine = true;
    await h.apply('services:\n  web:\n    image: present/image:1\n');
  });

  it('a resource demand that only waits for others to leave is queued, not refused', async () => {
    await h.apply(app('    cmd: sleep 9\n    cpus: 2\n    mem: 16\n    instances: 3\n'));
    const second = await h.apply('name: t\napps:\n  b: { cmd: sleep 9, cpus: 2, mem: 16 }\n');
    assert.equal(second.waiting.length, 1);
  });
});
