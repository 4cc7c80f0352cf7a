import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { HealthCheckSpec } from '../../core/health.js';
import { runCheck } from './index.js';

const SERVING = `Zookeeper version: 3.8.4-9316c2a7a97e1666d8f4593f34dd6fc36ecc436c, built on 2024-02-12 22:16 UTC
Latency min/avg/max: 0/0.0/0
Received: 3
Sent: 2
Connections: 1
Outstanding: 0
Zxid: 0x100000000
Mode: MODE
Node count: 5
`;

function spec(timeoutSeconds = 1): HealthCheckSpec {
  return {
    protocol: 'ZOOKEEPER',
    portIndex: 0,
    gracePeriodSeconds: 0,
    intervalSeconds: 1,
    timeoutSeconds,
    maxConsecutiveFailures: 0,
  };
}

describe('ZOOKEEPER health check', () => {
  /** What the fake server answers to each word; undefined: never answers. */
  let answers: Record<string, string | undefined> = {};
  const sockets = new Set<net.Socket>();
  // Like ZooKeeper: read the four letters, write the answer, close.
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.once('data', (word: Buffer) => {
      const answer = answers[word.toString()];
      if (answer !== undefined) socket.end(answer);
    });
  });
  let port = 0;
  const target = () => ({ host: '127.0.0.1', ports: [port], exec: () => Promise.reject(new Error('no')) });

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('passes for a serving leader, follower or standalone server and names its mode', async () => {
    for (const mode of ['leader', 'follower', 'standalone']) {
      answers = { ruok: 'imok', srvr: SERVING.replace('MODE', mode) };
      assert.deepEqual(await runCheck(spec(), target()), { ok: true, message: `imok, Mode: ${mode}` });
    }
  });

  it('fails for a server outside a quorum, a refused srvr, or a wrong peer', async () => {
    answers = { ruok: 'imok', srvr: 'This ZooKeeper instance is not currently serving requests\n' };
    assert.deepEqual(await runCheck(spec(), target()), {
      ok: false,
      message: 'imok, but not serving requests (no quorum yet)',
    });
    answers = { ruok: 'imok', srvr: 'srvr is not executed because it is not in the whitelist.\n' };
    assert.match((await runCheck(spec(), target())).message, /4lw\.commands\.whitelist/);
    answers = { ruok: 'imok', srvr: SERVING.replace('MODE', 'read-only') };
    assert.deepEqual(await runCheck(spec(), target()), { ok: false, message: 'imok, but Mode: read-only' });
    answers = { ruok: 'HTTP/1.1 400', srvr: 'HTTP/1.1 400' };
    assert.deepEqual(await runCheck(spec(), target()), {
      ok: false,
      message: 'ruok answered "HTTP/1.1 400", not "imok"',
    });
    answers = { ruok: '', srvr: '' };
    assert.deepEqual(await runCheck(spec(), target()), {
      ok: false,
      message: 'no answer to ruok: is this ZooKeeper?',
    });
  });

  it('times out on a server that never answers and closes both connections', async () => {
    answers = {};
    const started = Date.now();
    assert.deepEqual(await runCheck(spec(0.3), target()), {
      ok: false,
      message: 'ruok timed out after 0.3s',
    });
    assert.ok(Date.now() - started < 1000);
    for (let i = 0; i < 50 && sockets.size > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(sockets.size, 0);
  });
});
