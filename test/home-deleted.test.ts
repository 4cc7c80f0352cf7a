import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { FlotillaClient } from '../src/client/client.js';
import type { FlotillaEvent } from '../src/core/streams.js';
import { startDaemon } from '../src/daemon/daemon.js';
import { forgetHome } from '../src/isolation/forget.js';
import { adminToken, waitFor } from './helpers/flotilla.js';

describe('a daemon whose home is deleted', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-gone-'));
  after(async () => {
    await forgetHome(home);
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('says so in its log and its events, and stops', async () => {
    const lines: string[] = [];
    const lo = 36000 + Math.floor(Math.random() * 20) * 100;
    const daemon = await startDaemon(
      {
        home,
        host: '127.0.0.1',
        port: 0,
        portRange: [lo, lo + 99],
        nodes: 1,
        nodeOffer: { cpus: 2, mem: 1024, disk: 1024, ports: 100, labels: {} },
        auth: true,
        dns: { host: '127.0.0.1', port: 0 },
        artifactsDir: null,
        homeCheckMs: 100,
      },
      (m) => lines.push(m),
    );
    const events: FlotillaEvent[] = [];
    const abort = new AbortController();
    const client = new FlotillaClient(daemon.info.address, { token: adminToken(home) });
    void client.events((e) => events.push(e), abort.signal).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 200));
    fs.rmSync(home, { recursive: true, force: true });
    const stopped = await Promise.race([
      daemon.done.then(() => true),
      new Promise<false>((r) => setTimeout(() => r(false), 5000)),
    ]);
    if (!stopped) await daemon.stop(true);
    assert.ok(stopped, `the daemon stopped on its own: ${lines.join('\n')}`);
    await waitFor(() => events.length > 0, 2000, 'the event').catch(() => undefined);
    abort.abort();
    assert.ok(
      lines.some((l) => l.includes(home) && /deleted/.test(l)),
      `the log says why: ${lines.join('\n')}`,
    );
    assert.ok(
      events.some((e) => e.type === 'home_deleted'),
      `an event says why: ${JSON.stringify(events)}`,
    );
  });
});
