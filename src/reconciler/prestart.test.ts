import { testLaunchSpec } from '../core/testing.js';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { type LaunchSpec } from '../core/task.js';
import { PRESTART_HOOKS, runPrestart, type PrestartContext } from './prestart.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-prestart-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

const spec: LaunchSpec = testLaunchSpec();

let n = 0;
function context(over: Partial<PrestartContext> = {}): PrestartContext {
  const dir = path.join(root, String(n++));
  return {
    spec,
    sandbox: path.join(dir, 'sandbox'),
    dataDir: path.join(dir, 'data'),
    artifacts: undefined,
    images: undefined,
    ...over,
  };
}

const artifact = { groupId: 'g', artifactId: 'a', version: '1', sha256: 'x', size: 1 };

describe('pre-start hooks', () => {
  it('run in one fixed order', () => {
    assert.deepEqual(
      PRESTART_HOOKS.map((h) => h.name),
      ['artifacts', 'runtime', 'image', 'sandbox files', 'data dir', 'firewall'],
    );
  });

  it('a plain task gets its files and data folder, and shows no step', async () => {
    const shown: string[] = [];
    const ctx = context({
      spec: { ...spec, files: [{ path: 'conf/app.conf', content: 'x=1\n', mode: 0o600 }] },
    });
    assert.equal(
      await runPrestart(
        ctx,
        (m) => shown.push(m),
        () => false,
      ),
      true,
    );
    assert.deepEqual(shown, []);
    const file = path.join(ctx.sandbox, 'conf/app.conf');
    assert.equal(fs.readFileSync(file, 'utf8'), 'x=1\n');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.ok(fs.statSync(ctx.dataDir).isDirectory());
  });

  it('shows each step before it runs, in order', async () => {
    const log: string[] = [];
    const ctx = context({
      spec: {
        ...spec,
        artifacts: [artifact],
        runtime: { kind: 'pyspark', version: '3.5.1' },
        container: { image: 'busybox', aliases: [], publish: [], mounts: [] },
      },
      artifacts: {
        ensure: async (a) => {
          log.push(`ensure ${a.length}`);
          return [];
        },
        prepare: async (r) => void log.push(`prepare ${r.version}`),
      },
      images: { prepare: async (c) => void log.push(`image ${c.image}`) },
    });
    assert.equal(
      await runPrestart(
        ctx,
        (m) => log.push(`show ${m}`),
        () => false,
      ),
      true,
    );
    assert.deepEqual(log, [
      'show fetching 1 artifacts',
      'ensure 1',
      'show preparing the pyspark 3.5.1 runtime',
      'prepare 3.5.1',
      'show preparing the image busybox',
      'image busybox',
    ]);
  });

  it('fails before showing a step this daemon cannot do', async () => {
    const shown: string[] = [];
    const show = (m: string) => shown.push(m);
    await assert.rejects(
      runPrestart(context({ spec: { ...spec, artifacts: [artifact] } }), show, () => false),
      /no artifact resolver/,
    );
    await assert.rejects(
      runPrestart(
        context({
          spec: { ...spec, runtime: { kind: 'pyspark', version: '3.5.1' } },
          artifacts: { ensure: async () => [] },
        }),
        show,
        () => false,
      ),
      /cannot prepare runtimes/,
    );
    await assert.rejects(
      runPrestart(
        context({ spec: { ...spec, container: { image: 'x', aliases: [], publish: [], mounts: [] } } }),
        show,
        () => false,
      ),
      /no Docker driver/,
    );
    assert.deepEqual(shown, []);
  });

  it('refuses a config file outside the sandbox', async () => {
    const ctx = context({ spec: { ...spec, files: [{ path: '../evil', content: '' }] } });
    await assert.rejects(
      runPrestart(
        ctx,
        () => undefined,
        () => false,
      ),
      /escapes the sandbox/,
    );
  });

  it('stops after a slow step when the daemon is closing', async () => {
    let stopped = false;
    const ctx = context({
      spec: { ...spec, artifacts: [artifact] },
      artifacts: {
        ensure: async () => {
          stopped = true;
          return [];
        },
      },
    });
    assert.equal(
      await runPrestart(
        ctx,
        () => undefined,
        () => stopped,
      ),
      false,
    );
    assert.equal(fs.existsSync(ctx.dataDir), false);
  });
});
