import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { connected, withKafka } from './data-client.js';

/**
 * The data plane's bound on time: a broker address that accepts connections and never answers (a
 * stopped JVM's listen backlog does just that), or refuses them, gives a coded answer in time.
 */
describe("Kafka data plane's client", () => {
  let silent: net.Server;
  let silentAddress = '';
  const sockets = new Set<net.Socket>();

  before(async () => {
    silent = net.createServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    silentAddress = `127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => silent.close(r));
  });

  const topics = (brokers: string[], deadlineMs: number) =>
    withKafka('events', brokers, async (s) => (await connected(s)).listTopics(), deadlineMs);

  it('answers KAFKA_UNREACHABLE by its deadline when a broker never answers', async () => {
    const started = Date.now();
    await assert.rejects(topics([silentAddress], 1_500), (err: { code?: string; message?: string }) => {
      assert.equal(err.code, 'KAFKA_UNREACHABLE');
      assert.match(err.message ?? '', /did not answer within 1\.5 s/);
      return true;
    });
    assert.ok(Date.now() - started < 3_000, `answered after ${Date.now() - started} ms`);
  });

  it('answers KAFKA_UNREACHABLE when nothing listens', async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    await assert.rejects(topics([`127.0.0.1:${closed}`], 10_000), { code: 'KAFKA_UNREACHABLE' });
  });
});
