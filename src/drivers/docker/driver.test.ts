import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { isFlotillaError } from '../../core/errors.js';
import { driverContract } from '../contract.js';
import type { TaskConfig } from '../driver.js';
import { DockerDriver } from './driver.js';
import { Engine } from './engine.js';
import { CONTRACT_ID, engine, IMAGE, rejectsWith, unavailable } from './testing.js';

// The shared contract suite, once per engine; the engine's own behaviour is in driver-*.test.ts.
if (unavailable) describe('driver contract: docker', { skip: unavailable }, () => {});
else
  driverContract(
    'docker',
    () => new DockerDriver({ engine, daemonId: CONTRACT_ID, defaultImage: IMAGE }),
    undefined,
    2000,
  );

describe('docker driver without an engine', () => {
  it('says DOCKER_UNAVAILABLE when no engine answers', async () => {
    const lost = new Engine({ socketPath: '/nonexistent/flotilla-test/docker.sock' });
    const driver = new DockerDriver({ engine: lost, daemonId: 'x', defaultImage: IMAGE });
    const sandbox = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-dock-'));
    try {
      const config: TaskConfig = {
        taskKey: 'a/b',
        launchId: 'l',
        sandbox,
        env: {},
        cpus: 0,
        mem: 0,
        cmd: 'true',
      };
      await rejectsWith(driver.startTask(config), 'DOCKER_UNAVAILABLE');
    } finally {
      lost.close();
      fs.rmSync(sandbox, { recursive: true, force: true });
    }
  });

  it('refuses a daemon id the engine could not name things after', () => {
    assert.throws(
      () => new DockerDriver({ daemonId: 'no/slash', defaultImage: IMAGE }),
      (err) => isFlotillaError(err) && err.code === 'VALIDATION_FAILED',
    );
  });
});
