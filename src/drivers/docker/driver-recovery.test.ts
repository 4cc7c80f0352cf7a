import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { TaskHandle } from '../../core/task.js';
import { LABEL } from './state.js';
import {
  countLines,
  delay,
  dockerFixture,
  engine,
  exists,
  itLeavesNothingBehind,
  OWN_ID,
  readLog,
  unavailable,
  waitForLines,
} from './testing.js';

/** What outlives a container: the data volume, and the container itself across a daemon restart. */
describe('docker driver: data and recovery', { skip: unavailable ?? false }, () => {
  const { opts, driver, container, config } = dockerFixture();

  it('keeps the data volume across replacement and destroy; purgeTask removes it', opts, async () => {
    const d = driver();
    const volume = `flt-${OWN_ID}-data-0`;
    const fields = {
      taskKey: 'dock/vol',
      container: container({
        dataVolume: volume,
        mounts: [{ type: 'volume' as const, source: 'shared', target: '/shared', readOnly: false }],
      }),
    };
    const first = config({ ...fields, cmd: 'echo kept > data/x; echo also > /shared/y' });
    await d.startTask(first);
    assert.equal((await d.waitTask(first.taskKey)).exitCode, 0);
    const info = await engine.json<{ Labels: Record<string, string>; Options: Record<string, string> }>({
      path: `/volumes/${volume}`,
    });
    assert.equal(info.Labels[LABEL.task], first.taskKey);
    assert.equal(info.Options.device, path.join(first.sandbox, 'data'));
    await d.destroyTask(first.taskKey);
    assert.ok(await exists(`/volumes/${volume}`));

    const second = config({ ...fields, cmd: 'cat data/x /shared/y' });
    await d.startTask(second);
    await d.waitTask(second.taskKey);
    assert.equal(readLog(second, 'stdout'), 'kept\nalso\n');
    await d.purgeTask(second.taskKey);
    assert.equal(d.inspectTask(second.taskKey), null);
    assert.ok(!(await exists(`/volumes/${volume}`)));
    assert.ok(!(await exists(`/volumes/flt-${OWN_ID}-shared`)));
  });

  it(
    'recovers with the same container, and copies the logs written meanwhile exactly once',
    opts,
    async () => {
      const first = driver();
      const cfg = config({
        cmd: 'i=0; while :; do i=$((i+1)); echo line-$i; echo err-$i >&2; sleep 0.01; done',
      });
      const handle = await first.startTask(cfg);
      await waitForLines(cfg, 20);
      first.close();
      const whileAlone = countLines(cfg);
      await delay(300);
      assert.ok(countLines(cfg) - whileAlone <= 0, 'nobody follows after close()');

      // Adopted by its launch id, as when the daemon died before recording the container.
      const unrecorded: TaskHandle = { ...handle, pid: 0, startTime: '', containerId: '' };
      delete unrecorded.sandbox;
      const interim = driver();
      assert.equal(await interim.recoverTask(cfg.taskKey, unrecorded), true);
      assert.deepEqual(
        [unrecorded.containerId, unrecorded.pid, unrecorded.startTime, unrecorded.sandbox],
        [handle.containerId, handle.pid, handle.startTime, handle.sandbox],
      );
      await delay(200);
      interim.close();
      await delay(300);

      const second = driver();
      const saved = JSON.parse(JSON.stringify(handle)) as TaskHandle;
      assert.equal(await second.recoverTask(cfg.taskKey, saved), true);
      assert.equal(saved.containerId, handle.containerId);
      await delay(200);
      await second.stopTask(cfg.taskKey, 2000);
      const exit = await second.waitTask(cfg.taskKey);
      assert.equal(exit.unknownStatus, false);
      assert.equal(exit.exitCode, 143);
      for (const [stream, prefix] of [
        ['stdout', 'line'],
        ['stderr', 'err'],
      ] as const) {
        const lines = readLog(cfg, stream).trimEnd().split('\n');
        assert.ok(lines.length > 40, `${stream}: ${lines.length} lines`);
        const expected = lines.map((_, i) => `${prefix}-${i + 1}`);
        assert.deepEqual(lines, expected, `${stream} has every line once, in order`);
      }
    },
  );

  itLeavesNothingBehind(opts);
});
