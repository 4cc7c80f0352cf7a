import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { promises as dns } from 'node:dns';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { DnsServer } from './dns-server.js';
import { buildRecords, type DiscoveryInput, type DiscoveryTask } from './records.js';
import { RCODE, TYPE, decodeMessage, encodeQuery, type DnsMessage } from './wire.js';

function task(i: number, over: Partial<DiscoveryTask> = {}): DiscoveryTask {
  return {
    name: `kafka-${i}`,
    role: 'broker',
    host: `127.0.10.${i + 2}`,
    ports: [9092],
    ready: true,
    ...over,
  };
}

// Mutable on purpose: the server reads it per query, as it would read the daemon's state.
const state: DiscoveryInput = {
  domain: 'flotilla',
  services: [
    { tenant: 'default', name: 'events', tasks: [task(0), task(1), task(2, { ready: false })] },
    {
      tenant: 'default',
      name: 'big',
      tasks: Array.from({ length: 40 }, (_, i) => task(i, { name: `b-${i}` })),
    },
  ],
};
let failRecords = false;

// A fresh resolver per use, so a resolver-side cache (c-ares can have one) never hides the server.
function resolver(port: number): dns.Resolver {
  const r = new dns.Resolver({ timeout: 2000, tries: 1 });
  r.setServers([`127.0.0.1:${port}`]);
  return r;
}

function udpQuery(port: number, packet: Buffer): Promise<DnsMessage> {
  const socket = dgram.createSocket('udp4');
  return new Promise<DnsMessage>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no UDP answer')), 2000);
    socket.on('message', (msg) => {
      clearTimeout(timer);
      resolve(decodeMessage(msg));
    });
    socket.send(packet, port, '127.0.0.1');
  }).finally(() => socket.close());
}

function tcpQuery(port: number, packet: Buffer): Promise<DnsMessage> {
  const socket = net.connect(port, '127.0.0.1');
  return new Promise<DnsMessage>((resolve, reject) => {
    let got = Buffer.alloc(0);
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      got = Buffer.concat([got, chunk]);
      if (got.length >= 2 && got.length >= 2 + got.readUInt16BE(0)) resolve(decodeMessage(got.subarray(2)));
    });
    const prefix = Buffer.alloc(2);
    prefix.writeUInt16BE(packet.length, 0);
    // Split the frame to check the server reassembles it.
    socket.write(Buffer.concat([prefix, packet.subarray(0, 3)]));
    setTimeout(() => socket.write(packet.subarray(3)), 20);
  }).finally(() => socket.destroy());
}

async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: NodeJS.ErrnoException) => err.code === code);
}

describe('DnsServer', () => {
  const server = new DnsServer({
    host: '127.0.0.1',
    port: 0,
    records: () => {
      if (failRecords) throw new Error('state unavailable');
      return buildRecords(state);
    },
  });
  let port = 0;
  before(async () => {
    port = (await server.start()).port;
  });
  after(() => server.stop());

  it('answers A for tasks, services and roles, with only ready tasks behind the latter', async () => {
    const r = resolver(port);
    assert.deepEqual(await r.resolve4('kafka-2.events.default.flotilla'), ['127.0.10.4']);
    assert.deepEqual((await r.resolve4('events.default.flotilla')).sort(), ['127.0.10.2', '127.0.10.3']);
    assert.deepEqual((await r.resolve4('broker.events.default.flotilla')).sort(), [
      '127.0.10.2',
      '127.0.10.3',
    ]);
    const ttl = await r.resolve4('kafka-0.events.default.flotilla', { ttl: true });
    assert.deepEqual(ttl, [{ address: '127.0.10.2', ttl: 5 }]);
  });

  it('answers SRV with one record per ready task', async () => {
    const srv = await resolver(port).resolveSrv('_broker._tcp.events.default.flotilla');
    assert.deepEqual(
      srv.sort((a, b) => a.name.localeCompare(b.name)),
      [0, 1].map((i) => ({
        name: `kafka-${i}.events.default.flotilla`,
        port: 9092,
        priority: 0,
        weight: 10,
      })),
    );
  });

  it('is case-insensitive', async () => {
    assert.deepEqual(await resolver(port).resolve4('KAFKA-0.Events.DEFAULT.Flotilla'), ['127.0.10.2']);
  });

  it('says NXDOMAIN for unknown names, NODATA for known names without the type, REFUSED outside', async () => {
    await rejectsWith(resolver(port).resolve4('nope.events.default.flotilla'), 'ENOTFOUND');
    await rejectsWith(resolver(port).resolve4('default.flotilla'), 'ENODATA');
    await rejectsWith(resolver(port).resolveSrv('kafka-0.events.default.flotilla'), 'ENODATA');
    await rejectsWith(resolver(port).resolve4('example.com'), 'EREFUSED');
  });

  it('follows the record source between two queries (a task moves)', async () => {
    const events = state.services[0]!;
    const moved = events.tasks[0]!;
    assert.deepEqual(await resolver(port).resolve4('kafka-0.events.default.flotilla'), ['127.0.10.2']);
    moved.host = '127.0.20.2';
    try {
      assert.deepEqual(await resolver(port).resolve4('kafka-0.events.default.flotilla'), ['127.0.20.2']);
    } finally {
      moved.host = '127.0.10.2';
    }
  });

  it('echoes id and RD, sets AA, and adds the SRV targets’ addresses over TCP', async () => {
    const reply = await tcpQuery(
      port,
      encodeQuery('_broker._tcp.events.default.flotilla', TYPE.SRV, { id: 777 }),
    );
    assert.equal(reply.id, 777);
    assert.deepEqual(
      [reply.flags.qr, reply.flags.aa, reply.flags.rd, reply.flags.ra],
      [true, true, true, false],
    );
    assert.equal(reply.flags.rcode, RCODE.NOERROR);
    assert.equal(reply.answers.length, 2);
    assert.deepEqual(
      reply.additionals.map((rr) => (rr.data.kind === 'A' ? `${rr.name}=${rr.data.address}` : '?')).sort(),
      ['kafka-0.events.default.flotilla=127.0.10.2', 'kafka-1.events.default.flotilla=127.0.10.3'],
    );
  });

  it('survives a garbage UDP packet and keeps answering', async () => {
    const before = server.stats.malformed;
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) =>
      socket.send(Buffer.from([1, 2, 3, 0xc0]), port, '127.0.0.1', () => resolve()),
    );
    socket.close();
    assert.deepEqual(await resolver(port).resolve4('kafka-1.events.default.flotilla'), ['127.0.10.3']);
    assert.equal(server.stats.malformed, before + 1);
  });

  it('truncates a large answer over plain UDP, and honours EDNS and TCP', async () => {
    const name = '_broker._tcp.big.default.flotilla';
    const plain = await udpQuery(port, encodeQuery(name, TYPE.SRV));
    assert.equal(plain.flags.tc, true);
    assert.equal(plain.answers.length, 0);
    const edns = await udpQuery(port, encodeQuery(name, TYPE.SRV, { udpSize: 4096 }));
    assert.equal(edns.flags.tc, false);
    assert.equal(edns.answers.length, 40);
    assert.equal(edns.additionals.at(-1)?.type, TYPE.OPT);
    assert.equal((await tcpQuery(port, encodeQuery(name, TYPE.SRV))).answers.length, 40);
    assert.equal((await resolver(port).resolveSrv(name)).length, 40);
  });

  it('answers SERVFAIL when the record source fails', async () => {
    failRecords = true;
    try {
      await rejectsWith(resolver(port).resolve4('kafka-0.events.default.flotilla'), 'ESERVFAIL');
    } finally {
      failRecords = false;
    }
  });
});

describe('DnsServer lifecycle', () => {
  it('answers a query asked again from its cache, with the new id, until the record set changes', async () => {
    let current = buildRecords(state);
    const cached = new DnsServer({ host: '127.0.0.1', port: 0, records: () => current });
    const { port: p } = await cached.start();
    try {
      const name = 'kafka-0.events.default.flotilla';
      const first = await udpQuery(p, encodeQuery(name, TYPE.A, { id: 1 }));
      const again = await udpQuery(p, encodeQuery(name, TYPE.A, { id: 2 }));
      assert.deepEqual([first.id, again.id], [1, 2]);
      assert.deepEqual(again, { ...first, id: 2 });
      // Over TCP, and with EDNS, the same name is another query (its own limit): answered as such.
      const edns = await udpQuery(p, encodeQuery(name, TYPE.A, { id: 3, udpSize: 1232 }));
      assert.equal(edns.additionals.length, 1, 'the OPT record');
      assert.equal((await tcpQuery(p, encodeQuery(name, TYPE.A, { id: 4 }))).answers.length, 1);
      const moved = structuredClone(state);
      moved.services[0]!.tasks[0]!.host = '127.0.20.2';
      current = buildRecords(moved);
      const after = await udpQuery(p, encodeQuery(name, TYPE.A, { id: 5 }));
      assert.deepEqual(
        after.answers.map((rr) => (rr.data.kind === 'A' ? rr.data.address : '?')),
        ['127.0.20.2'],
      );
      assert.equal(cached.stats.queries, 5);
    } finally {
      await cached.stop();
    }
  });

  it('reports a taken port as PORT_IN_USE and stops cleanly', async () => {
    const first = new DnsServer({ host: '127.0.0.1', port: 0, records: () => buildRecords(state) });
    const { port } = await first.start();
    const second = new DnsServer({ host: '127.0.0.1', port, records: () => buildRecords(state) });
    try {
      await assert.rejects(second.start(), { code: 'PORT_IN_USE' });
    } finally {
      await second.stop();
      await first.stop();
    }
  });
});
