import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { HealthCheckSpec } from '../../core/health.js';
import { runCheck } from './index.js';
import { encodeMetadataRequest, parseMetadataResponse } from './kafka.js';

function spec(brokerId?: number, timeoutSeconds = 1): HealthCheckSpec {
  return {
    protocol: 'KAFKA',
    portIndex: 0,
    ...(brokerId === undefined ? {} : { kafka: { brokerId } }),
    gracePeriodSeconds: 0,
    intervalSeconds: 1,
    timeoutSeconds,
    maxConsecutiveFailures: 3,
  };
}

function str(s: string | null): Buffer {
  if (s === null) return Buffer.from([0xff, 0xff]);
  const b = Buffer.alloc(2);
  b.writeInt16BE(Buffer.byteLength(s));
  return Buffer.concat([b, Buffer.from(s)]);
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

/** A Metadata v4 response frame as a broker writes it, size prefix included. */
function metadataResponse(correlationId: number, brokerIds: number[]): Buffer {
  const body = Buffer.concat([
    int32(correlationId),
    int32(0), // throttle
    int32(brokerIds.length),
    ...brokerIds.flatMap((id) => [int32(id), str(`127.0.10.${id + 1}`), int32(9092), str(null)]),
    str('a-cluster-id'),
    int32(brokerIds[0] ?? -1),
    int32(0), // no topics
  ]);
  return Buffer.concat([int32(body.length), body]);
}

type Behaviour = 'answer' | 'wrong-correlation' | 'hang' | 'garbage';

describe('KAFKA health check', () => {
  let behaviour: Behaviour = 'answer';
  let brokers: number[] = [0, 1, 2];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', (req: Buffer) => {
      if (behaviour === 'hang') return;
      if (behaviour === 'garbage') return void socket.write(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'));
      assert.equal(req.readInt16BE(4), 3); // Metadata
      assert.equal(req.readInt16BE(6), 4);
      const correlationId = req.readInt32BE(8);
      // Split the answer across writes: the checker must reassemble the frame.
      const frame = metadataResponse(behaviour === 'answer' ? correlationId : correlationId + 1, brokers);
      socket.write(frame.subarray(0, 7));
      setTimeout(() => socket.write(frame.subarray(7)), 5);
    });
  });
  let port = 0;
  const target = (p = port) => ({
    host: '127.0.0.1',
    ports: [p],
    exec: () => Promise.reject(new Error('no')),
  });

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('encodes a Metadata v4 request for no topics and parses the answer', () => {
    const req = encodeMetadataRequest(42);
    assert.equal(req.readInt32BE(0), req.length - 4);
    assert.equal(req.readInt32BE(req.length - 5), 0); // empty topic array, not null (all topics)
    assert.equal(req.readInt8(req.length - 1), 0); // never auto-create
    const answer = parseMetadataResponse(metadataResponse(42, [0, 2]).subarray(4));
    assert.deepEqual(answer, {
      correlationId: 42,
      brokers: [
        { nodeId: 0, host: '127.0.10.1', port: 9092 },
        { nodeId: 2, host: '127.0.10.3', port: 9092 },
      ],
      clusterId: 'a-cluster-id',
      controllerId: 0,
    });
    assert.throws(() => parseMetadataResponse(metadataResponse(1, [0]).subarray(4, 20)), RangeError);
  });

  it('passes when the broker lists its own id, and says which ids it sees when not', async () => {
    behaviour = 'answer';
    brokers = [0, 1, 2];
    assert.deepEqual(await runCheck(spec(1), target()), {
      ok: true,
      message: 'broker 1 registered (3 brokers: 0, 1, 2)',
    });
    assert.deepEqual(await runCheck(spec(), target()), {
      ok: true,
      message: 'metadata lists 3 brokers: 0, 1, 2',
    });
    brokers = [0];
    assert.deepEqual(await runCheck(spec(1), target()), {
      ok: false,
      message: 'broker 1 is not registered in the cluster (it lists 1 broker: 0)',
    });
    brokers = [];
    assert.equal(
      (await runCheck(spec(1), target())).message,
      'broker 1 is not registered in the cluster (it lists none yet)',
    );
  });

  it('fails on a wrong peer, a foreign answer or no answer, and leaves no socket open', async () => {
    behaviour = 'garbage';
    assert.equal((await runCheck(spec(0), target())).ok, false);
    behaviour = 'wrong-correlation';
    brokers = [0];
    assert.deepEqual(await runCheck(spec(0), target()), {
      ok: false,
      message: 'the answer is not for our request: is this Kafka?',
    });
    behaviour = 'hang';
    const started = Date.now();
    assert.deepEqual(await runCheck(spec(0, 0.3), target()), { ok: false, message: 'timed out after 0.3s' });
    assert.ok(Date.now() - started < 1000);
    for (let i = 0; i < 50 && sockets.size > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(sockets.size, 0);

    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as net.AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    assert.match(
      (await runCheck(spec(0), target(closedPort))).message,
      /cannot reach Kafka at .*ECONNREFUSED/,
    );
    assert.deepEqual(await runCheck({ ...spec(0), portIndex: 2 }, target()), {
      ok: false,
      message: 'the task has no port at index 2',
    });
  });
});
