import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { describe, it } from 'node:test';
import { isFlotillaError } from '../../core/errors.js';
import { containerName, LABEL } from './state.js';
import {
  dockerFixture,
  imagePathEntry,
  inspect,
  itLeavesNothingBehind,
  OWN_ID,
  readLog,
  rejectsWith,
  unavailable,
} from './testing.js';

/** One container per task: how it is created, what it runs, its output and how it fails. */
describe('docker driver: containers', { skip: unavailable ?? false }, () => {
  const { root, opts, driver, container, config } = dockerFixture();

  it('creates the container as configured: labels, init, limits, user, env', opts, async () => {
    const d = driver();
    const cfg = config({
      cmd: 'sleep 30',
      env: { MY_VAR: 'v' },
      dataDir: path.join(root, 'tenant-data'),
      container: container({ labels: { 'io.flotilla.tenant': 'acme' } }),
    });
    const handle = await d.startTask(cfg);
    const info = await inspect(handle.containerId ?? '');
    assert.equal(info.Name, `/${containerName(OWN_ID, cfg.taskKey)}`);
    assert.deepEqual(
      Object.fromEntries(Object.entries(info.Config.Labels).filter(([k]) => k.startsWith('io.flotilla.'))),
      {
        [LABEL.daemon]: OWN_ID,
        [LABEL.task]: cfg.taskKey,
        [LABEL.launchId]: cfg.launchId,
        [LABEL.sandbox]: cfg.sandbox,
        'io.flotilla.tenant': 'acme',
      },
    );
    assert.equal(info.HostConfig.Init, true);
    assert.equal(info.HostConfig.RestartPolicy.Name, 'no');
    assert.equal(info.HostConfig.Memory, 64 * 1024 * 1024);
    assert.equal(info.HostConfig.MemorySwap, 64 * 1024 * 1024);
    assert.equal(info.HostConfig.CpuShares, 102);
    assert.equal(info.Config.User, `${process.getuid?.()}:${process.getgid?.()}`);
    assert.equal(info.Config.WorkingDir, cfg.sandbox);
    assert.ok(info.Config.Env.includes(`FLOTILLA_DATA=${cfg.dataDir}`));
    assert.ok(info.Config.Env.includes('MY_VAR=v'));
    // The image's PATH (or the engine's default when the image sets none), never the daemon's.
    const imagePath = await imagePathEntry();
    assert.deepEqual(
      info.Config.Env.filter((e) => e.startsWith('PATH=')),
      imagePath ? [imagePath] : [],
    );
    assert.deepEqual(handle, {
      driver: 'docker',
      launchId: cfg.launchId,
      pid: info.State.Pid,
      startTime: info.State.StartedAt,
      bootId: '',
      startedAt: Date.parse(info.State.StartedAt),
      sandbox: cfg.sandbox,
      containerId: info.Id,
    });
    assert.ok(handle.pid > 0);
    const mounts = info.Mounts.map((m) => `${m.Type}:${m.Source}:${m.Destination}`).sort();
    assert.deepEqual(
      mounts,
      [`bind:${cfg.dataDir}:${cfg.dataDir}`, `bind:${cfg.sandbox}:${cfg.sandbox}`].sort(),
    );

    const strict = driver({ cpuLimit: 'strict' });
    const other = await strict.startTask(config({ cmd: 'sleep 30', cpus: 0.5 }));
    assert.equal((await inspect(other.containerId ?? '')).HostConfig.NanoCpus, 500_000_000);
  });

  it('runs args under the given entrypoint, or the image command', opts, async () => {
    const d = driver();
    const a = config({ args: ['a', 'b'], container: container({ entrypoint: ['/bin/echo', 'ep'] }) });
    await d.startTask(a);
    assert.equal((await d.waitTask(a.taskKey)).exitCode, 0);
    assert.equal(readLog(a, 'stdout'), 'ep a b\n');
    const b = config({
      args: [],
      container: container({ imageCommand: true, entrypoint: ['/bin/sh', '-c', 'echo own-command'] }),
    });
    await d.startTask(b);
    await d.waitTask(b.taskKey);
    assert.equal(readLog(b, 'stdout'), 'own-command\n');
    await rejectsWith(d.startTask(config({ args: [] })), 'VALIDATION_FAILED');
  });

  it('writes long lines whole and an unterminated last line', opts, async () => {
    const d = driver();
    // The engine splits lines over 16 KiB into parts, and may end a follow before a last line
    // that has no newline: the driver reads the rest after the exit.
    const cfg = config({ cmd: "head -c 40000 /dev/zero | tr '\\0' x; echo; printf 'tail é'" });
    await d.startTask(cfg);
    await d.waitTask(cfg.taskKey);
    assert.equal(readLog(cfg, 'stdout'), `${'x'.repeat(40000)}\ntail é`);
  });

  it('reports an out-of-memory kill', opts, async () => {
    const d = driver();
    const cfg = config({ cmd: 'head -c 200m /dev/zero | tail', mem: 32 });
    await d.startTask(cfg);
    const exit = await d.waitTask(cfg.taskKey);
    assert.equal(exit.exitCode, 137);
    assert.equal(exit.message, 'killed: out of memory (limit 32 MB)');
  });

  it('refuses to start over a running container of the same name', opts, async () => {
    const cfg = config({ cmd: 'sleep 30' });
    await driver().startTask(cfg);
    await rejectsWith(driver().startTask({ ...cfg, launchId: randomUUID() }), 'NAME_CONFLICT');
  });

  it('names a missing image; a missing program exits 127 with the reason in stderr', opts, async () => {
    const d = driver();
    const missing = 'flotilla/no-such-image:never';
    await assert.rejects(
      d.startTask(config({ cmd: 'true', container: container({ image: missing }) })),
      (err) => isFlotillaError(err) && err.code === 'IMAGE_MISSING' && err.message.includes(missing),
    );
    // docker-init execs the program: the container starts, and init reports the failed exec.
    const cfg = config({ args: ['/nonexistent/flotilla-prog'] });
    await d.startTask(cfg);
    assert.equal((await d.waitTask(cfg.taskKey)).exitCode, 127);
    assert.match(readLog(cfg, 'stderr'), /\/nonexistent\/flotilla-prog/);
  });

  it('kills a timed-out exec command in the container', opts, async () => {
    const d = driver();
    const cfg = config({ cmd: 'sleep 30' });
    await d.startTask(cfg);
    const slow = await d.execTask(cfg.taskKey, 'sleep 31; echo late', 300);
    assert.equal(slow.timedOut, true);
    const left = await d.execTask(
      cfg.taskKey,
      "cat /proc/[0-9]*/cmdline | tr '\\0' ' ' | grep -c '[s]leep 31'",
      5000,
    );
    assert.equal(left.output.trim(), '0');
  });

  itLeavesNothingBehind(opts);
});
