import { encodeName, malformed, readName } from './wire-name.js';
import { TYPE, decodeData, encodeData, type RecordData } from './wire-rdata.js';

export { TYPE, type RecordData };

/**
 * The DNS message codec (RFC 1035 §4): header, questions and resource records, with A and SRV
 * (RFC 2782) data decoded and every other type kept as raw bytes. Only what an authoritative
 * server for our names (and its tests) needs.
 */

export const CLASS = { IN: 1, ANY: 255 } as const;
export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
export const OPCODE_QUERY = 0;
export const HEADER_SIZE = 12;

export interface Flags {
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  rcode: number;
}

export interface Question {
  name: string;
  type: number;
  class: number;
}

/** For OPT (RFC 6891) `class` is the sender's UDP payload size and `ttl` holds the EDNS flags. */
export interface ResourceRecord {
  name: string;
  type: number;
  class: number;
  ttl: number;
  data: RecordData;
}

export interface DnsMessage {
  id: number;
  flags: Flags;
  questions: Question[];
  answers: ResourceRecord[];
  authorities: ResourceRecord[];
  additionals: ResourceRecord[];
}

function need(buf: Buffer, offset: number, bytes: number, what: string): void {
  if (offset + bytes > buf.length) throw malformed(`${what} runs past the end`);
}

function decodeFlags(word: number): Flags {
  return {
    qr: (word & 0x8000) !== 0,
    opcode: (word >> 11) & 0xf,
    aa: (word & 0x0400) !== 0,
    tc: (word & 0x0200) !== 0,
    rd: (word & 0x0100) !== 0,
    ra: (word & 0x0080) !== 0,
    rcode: word & 0xf,
  };
}

function encodeFlags(f: Flags): number {
  return (
    (f.qr ? 0x8000 : 0) |
    ((f.opcode & 0xf) << 11) |
    (f.aa ? 0x0400 : 0) |
    (f.tc ? 0x0200 : 0) |
    (f.rd ? 0x0100 : 0) |
    (f.ra ? 0x0080 : 0) |
    (f.rcode & 0xf)
  );
}

function readRecord(buf: Buffer, offset: number): { record: ResourceRecord; end: number } {
  const { name, end } = readName(buf, offset);
  need(buf, end, 10, 'record header');
  const type = buf.readUInt16BE(end);
  const length = buf.readUInt16BE(end + 8);
  need(buf, end + 10, length, 'record data');
  const record: ResourceRecord = {
    name,
    type,
    class: buf.readUInt16BE(end + 2),
    ttl: buf.readUInt32BE(end + 4),
    data: decodeData(buf, type, end + 10, length),
  };
  return { record, end: end + 10 + length };
}

/** Decodes a whole message; throws a VALIDATION_FAILED FlotillaError on anything malformed. */
export function decodeMessage(buf: Buffer): DnsMessage {
  need(buf, 0, HEADER_SIZE, 'header');
  const counts = [4, 6, 8, 10].map((o) => buf.readUInt16BE(o));
  let pos = HEADER_SIZE;
  const questions: Question[] = [];
  for (let i = 0; i < (counts[0] ?? 0); i++) {
    const { name, end } = readName(buf, pos);
    need(buf, end, 4, 'question');
    questions.push({ name, type: buf.readUInt16BE(end), class: buf.readUInt16BE(end + 2) });
    pos = end + 4;
  }
  const sections: ResourceRecord[][] = [[], [], []];
  sections.forEach((section, s) => {
    for (let i = 0; i < (counts[s + 1] ?? 0); i++) {
      const { record, end } = readRecord(buf, pos);
      section.push(record);
      pos = end;
    }
  });
  const [answers = [], authorities = [], additionals = []] = sections;
  return {
    id: buf.readUInt16BE(0),
    flags: decodeFlags(buf.readUInt16BE(2)),
    questions,
    answers,
    authorities,
    additionals,
  };
}

export function encodeRecord(rr: ResourceRecord): Buffer {
  const data = encodeData(rr.data);
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(rr.type, 0);
  fixed.writeUInt16BE(rr.class, 2);
  fixed.writeUInt32BE(rr.ttl >>> 0, 4);
  fixed.writeUInt16BE(data.length, 8);
  return Buffer.concat([encodeName(rr.name), fixed, data]);
}

export function encodeQuestion(q: Question): Buffer {
  const fixed = Buffer.alloc(4);
  fixed.writeUInt16BE(q.type, 0);
  fixed.writeUInt16BE(q.class, 2);
  return Buffer.concat([encodeName(q.name), fixed]);
}

export function encodeMessage(msg: DnsMessage): Buffer {
  const header = Buffer.alloc(HEADER_SIZE);
  header.writeUInt16BE(msg.id, 0);
  header.writeUInt16BE(encodeFlags(msg.flags), 2);
  const { questions, answers, authorities, additionals } = msg;
  [questions, answers, authorities, additionals].forEach((s, i) => header.writeUInt16BE(s.length, 4 + 2 * i));
  return Buffer.concat([
    header,
    ...questions.map(encodeQuestion),
    ...[...answers, ...authorities, ...additionals].map(encodeRecord),
  ]);
}

/** A standard query, for clients and tests; `udpSize` adds an EDNS OPT record advertising it. */
export function encodeQuery(
  name: string,
  type: number,
  opts: { id?: number; udpSize?: number } = {},
): Buffer {
  const flags: Flags = {
    qr: false,
    opcode: OPCODE_QUERY,
    aa: false,
    tc: false,
    rd: true,
    ra: false,
    rcode: 0,
  };
  const additionals: ResourceRecord[] = opts.udpSize === undefined ? [] : [optRecord(opts.udpSize)];
  return encodeMessage({
    id: opts.id ?? Math.floor(Math.random() * 0x10000),
    flags,
    questions: [{ name, type, class: CLASS.IN }],
    answers: [],
    authorities: [],
    additionals,
  });
}

export function optRecord(udpSize: number): ResourceRecord {
  return { name: '', type: TYPE.OPT, class: udpSize, ttl: 0, data: { kind: 'RAW', bytes: Buffer.alloc(0) } };
}

/** The EDNS UDP payload size a message advertises, or undefined without an OPT record. */
export function ednsPayloadSize(msg: DnsMessage): number | undefined {
  return msg.additionals.find((rr) => rr.type === TYPE.OPT)?.class;
}
