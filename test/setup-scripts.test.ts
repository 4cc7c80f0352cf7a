import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { REPO } from './helpers/flotilla.js';

/**
 * Issue 16, defect 6: `npm run quickstart`, the embedded default that promises "no Docker", must not
 * install docker.io nor start a Docker engine; only the test setup (`npm run test:ci`) needs one.
 * The scripts run in their dry-run mode, with every installer on PATH a stub that only prints:
 * nothing here can install, build or start anything.
 */
describe('setup scripts', () => {
  const stubs = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-stubs-'));
  for (const name of ['npm', 'apt-get', 'sudo', 'dockerd', 'docker', 'debootstrap'])
    fs.writeFileSync(path.join(stubs, name), `#!/bin/sh\necho "STUB ${name} $*"\n`, { mode: 0o755 });
  after(() => fs.rmSync(stubs, { recursive: true, force: true }));

  const steps = (script: string): Promise<string> =>
    new Promise((resolve, reject) =>
      execFile(
        'bash',
        [script],
        {
          cwd: REPO,
          env: {
            ...process.env,
            PATH: `${stubs}:${process.env.PATH}`,
            FLOTILLA_SETUP_DRY_RUN: '1',
            FLOTILLA_DOCKER: '',
          },
        },
        (err, stdout, stderr) => (err ? reject(new Error(`${script}: ${stderr}`)) : resolve(stdout)),
      ),
    );

  it('quickstart neither installs nor starts Docker', async () => {
    const out = await steps('scripts/quickstart.sh');
    assert.doesNotMatch(out, /docker|debootstrap|STUB/i, out);
    // Nor the benchmarks' tools.
    assert.doesNotMatch(out, /dnsperf|dnsmasq/, out);
    assert.match(out, /would run: bin\/flotilla up -f examples\/redis-app\.yml --wait/);
  });

  it('the test setup still makes sure an engine answers', async () => {
    const out = await steps('scripts/setup.sh');
    assert.match(out, /would run: bash scripts\/docker-engine\.sh/);
    assert.doesNotMatch(out, /STUB/, 'a dry run runs nothing');
  });
});
