import { isIPv4 } from 'node:net';
import { encodeName, malformed, readName } from './wire-name.js';

/** Record data for the types we serve (A, SRV per RFC 2782); every other type stays raw bytes. */

export const TYPE = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, AAAA: 28, SRV: 33, OPT: 41, ANY: 255 } as const;

export type RecordData =
  | { kind: 'A'; address: string }
  | { kind: 'SRV'; priority: number; weight: number; port: number; target: string }
  | { kind: 'RAW'; bytes: Buffer };

export function decodeData(buf: Buffer, type: number, start: number, length: number): RecordData {
  if (type === TYPE.A) {
    if (length !== 4) throw malformed('A record data is not 4 bytes');
    return { kind: 'A', address: [...buf.subarray(start, start + 4)].join('.') };
  }
  if (type === TYPE.SRV) {
    if (length < 7) throw malformed('SRV record data too short');
    // RFC 2782 forbids compressing the target, but RFC 3597 asks readers to accept it anyway.
    const { name, end } = readName(buf, start + 6);
    if (end !== start + length) throw malformed('SRV target does not fill the record data');
    const priority = buf.readUInt16BE(start);
    const weight = buf.readUInt16BE(start + 2);
    const port = buf.readUInt16BE(start + 4);
    return { kind: 'SRV', priority, weight, port, target: name };
  }
  return { kind: 'RAW', bytes: Buffer.from(buf.subarray(start, start + length)) };
}

export function encodeData(data: RecordData): Buffer {
  switch (data.kind) {
    case 'A': {
      if (!isIPv4(data.address)) throw malformed(`'${data.address}' is not an IPv4 address`);
      return Buffer.from(data.address.split('.').map(Number));
    }
    case 'SRV': {
      const fixed = Buffer.alloc(6);
      fixed.writeUInt16BE(data.priority, 0);
      fixed.writeUInt16BE(data.weight, 2);
      fixed.writeUInt16BE(data.port, 4);
      return Buffer.concat([fixed, encodeName(data.target)]);
    }
    case 'RAW':
      return data.bytes;
  }
}
