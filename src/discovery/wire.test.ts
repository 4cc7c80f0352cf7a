import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FlotillaError } from '../core/errors.js';
import { encodeName, readName } from './wire-name.js';
import {
  CLASS,
  TYPE,
  decodeMessage,
  encodeMessage,
  encodeQuery,
  ednsPayloadSize,
  type DnsMessage,
} from './wire.js';

describe('wire names', () => {
  it('follows compression pointers', () => {
    // "flotilla" at 0, then "events" + pointer to 0 at 10.
    const buf = Buffer.concat([
      encodeName('flotilla'),
      Buffer.from([6]),
      Buffer.from('events'),
      Buffer.from([0xc0, 0]),
    ]);
    assert.deepEqual(readName(buf, 10), { name: 'events.flotilla', end: buf.length });
  });

  it('refuses pointer loops and forward pointers', () => {
    assert.throws(() => readName(Buffer.from([0xc0, 0]), 0), FlotillaError);
    assert.throws(() => readName(Buffer.from([0xc0, 2, 0]), 0), FlotillaError);
  });

  it('escapes bytes that would be ambiguous as text, and round-trips them', () => {
    const raw = Buffer.from([5, 0x61, 0x2e, 0x62, 0x5c, 0x00, 0]);
    const { name } = readName(raw, 0);
    assert.equal(name, 'a\\046b\\092\\000');
    assert.deepEqual(encodeName(name), raw);
  });
});

describe('wire messages', () => {
  it('round-trips A, SRV and OPT records', () => {
    const msg: DnsMessage = {
      id: 4242,
      flags: { qr: true, opcode: 0, aa: true, tc: false, rd: true, ra: false, rcode: 0 },
      questions: [{ name: '_broker._tcp.events.default.flotilla', type: TYPE.SRV, class: CLASS.IN }],
      answers: [
        {
          name: '_broker._tcp.events.default.flotilla',
          type: TYPE.SRV,
          class: CLASS.IN,
          ttl: 5,
          data: {
            kind: 'SRV',
            priority: 0,
            weight: 10,
            port: 9092,
            target: 'kafka-0.events.default.flotilla',
          },
        },
      ],
      authorities: [],
      additionals: [
        {
          name: 'kafka-0.events.default.flotilla',
          type: TYPE.A,
          class: CLASS.IN,
          ttl: 5,
          data: { kind: 'A', address: '127.0.10.2' },
        },
        { name: '', type: TYPE.OPT, class: 1232, ttl: 0, data: { kind: 'RAW', bytes: Buffer.alloc(0) } },
      ],
    };
    const decoded = decodeMessage(encodeMessage(msg));
    assert.deepEqual(decoded, msg);
    assert.equal(ednsPayloadSize(decoded), 1232);
  });

  it('builds queries with and without EDNS', () => {
    assert.equal(ednsPayloadSize(decodeMessage(encodeQuery('a.flotilla', TYPE.A))), undefined);
    const q = decodeMessage(encodeQuery('a.flotilla', TYPE.A, { id: 7, udpSize: 4096 }));
    assert.equal(q.id, 7);
    assert.equal(ednsPayloadSize(q), 4096);
  });

  it('only ever throws FlotillaError on arbitrary bytes', () => {
    const valid = encodeQuery('kafka-0.events.default.flotilla', TYPE.SRV, { udpSize: 1232 });
    const mutated = fc
      .tuple(
        fc.nat({ max: valid.length - 1 }),
        fc.integer({ min: 0, max: 255 }),
        fc.nat({ max: valid.length }),
      )
      .map(([at, byte, cut]) => {
        const copy = Buffer.from(valid);
        copy[at] = byte;
        return copy.subarray(0, cut);
      });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 600 }).map((a) => Buffer.from(a)),
          mutated,
        ),
        (buf) => {
          try {
            decodeMessage(buf);
          } catch (err) {
            assert.ok(err instanceof FlotillaError, String(err));
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
