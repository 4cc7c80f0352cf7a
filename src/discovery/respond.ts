import { FlotillaError } from '../core/errors.js';
import type { RecordSet } from './records.js';
import type { DnsMessage, Flags, ResourceRecord } from './wire.js';
import { CLASS, OPCODE_QUERY, RCODE, TYPE, ednsPayloadSize, encodeMessage, optRecord } from './wire.js';

/**
 * Turns one decoded query into one response: authoritative for our domain, REFUSED outside it
 * (we are not a recursive resolver), NXDOMAIN for unknown names, NODATA (NOERROR, no answers) for
 * known names without the asked type, and TC when the answer does not fit the transport.
 */

export const UDP_PLAIN_LIMIT = 512;
/** What we advertise and the most we send over UDP even when a client offers more (RFC 6891 §6.2.5). */
export const EDNS_UDP_LIMIT = 4096;
const TCP_LIMIT = 65535;

export interface RespondOptions {
  domain: string;
  ttl: number;
  transport: 'udp' | 'tcp';
}

export interface Response {
  message: Buffer;
  truncated: boolean;
}

function inZone(name: string, domain: string): boolean {
  return name === domain || name.endsWith(`.${domain}`);
}

function skeleton(query: DnsMessage, rcode: number, aa: boolean): DnsMessage {
  const flags: Flags = {
    qr: true,
    opcode: query.flags.opcode,
    aa,
    tc: false,
    rd: query.flags.rd,
    ra: false,
    rcode,
  };
  const edns = ednsPayloadSize(query);
  return {
    id: query.id,
    flags,
    questions: query.questions.length === 1 ? query.questions : [],
    answers: [],
    authorities: [],
    additionals: edns === undefined ? [] : [optRecord(EDNS_UDP_LIMIT)],
  };
}

function sizeLimit(query: DnsMessage, transport: 'udp' | 'tcp'): number {
  if (transport === 'tcp') return TCP_LIMIT;
  const edns = ednsPayloadSize(query);
  if (edns === undefined) return UDP_PLAIN_LIMIT;
  return Math.min(Math.max(edns, UDP_PLAIN_LIMIT), EDNS_UDP_LIMIT);
}

/** Encodes within the transport's limit: drop extra A records first, then truncate (RFC 2181 §9). */
function fit(msg: DnsMessage, limit: number): Response {
  const full = encodeMessage(msg);
  if (full.length <= limit) return { message: full, truncated: false };
  const opt = msg.additionals.filter((rr) => rr.type === TYPE.OPT);
  const lean = encodeMessage({ ...msg, additionals: opt });
  if (lean.length <= limit) return { message: lean, truncated: false };
  // A partial RRset would mislead a client that ignores TC; an empty answer makes it retry on TCP.
  const message = encodeMessage({ ...msg, flags: { ...msg.flags, tc: true }, answers: [], additionals: opt });
  return { message, truncated: true };
}

/** A bare error response, for when the records cannot be read (SERVFAIL) or the query is odd. */
export function errorResponse(query: DnsMessage, rcode: number): Buffer {
  return encodeMessage(skeleton(query, rcode, false));
}

/** Returns undefined for messages that must not be answered (responses), to avoid reply loops. */
export function respond(
  query: DnsMessage,
  records: () => RecordSet,
  opts: RespondOptions,
): Response | undefined {
  if (query.flags.qr) return undefined;
  const limit = sizeLimit(query, opts.transport);
  if (query.flags.opcode !== OPCODE_QUERY) return fit(skeleton(query, RCODE.NOTIMP, false), limit);
  const question = query.questions[0];
  if (question === undefined || query.questions.length !== 1) {
    return fit(skeleton(query, RCODE.FORMERR, false), limit);
  }
  const name = question.name.toLowerCase();
  const knownClass = question.class === CLASS.IN || question.class === CLASS.ANY;
  if (!knownClass || !inZone(name, opts.domain)) return fit(skeleton(query, RCODE.REFUSED, false), limit);

  const set = records();
  if (set.domain !== opts.domain) {
    throw new FlotillaError(
      'INTERNAL',
      `DNS records are for '${set.domain}' but the server serves '${opts.domain}'`,
    );
  }
  if (!set.names.has(name)) return fit(skeleton(query, RCODE.NXDOMAIN, true), limit);

  const msg = skeleton(query, RCODE.NOERROR, true);
  const record = (owner: string, data: ResourceRecord['data'], type: number): ResourceRecord => ({
    name: owner,
    type,
    class: CLASS.IN,
    ttl: opts.ttl,
    data,
  });
  const wants = (type: number): boolean => question.type === type || question.type === TYPE.ANY;
  // Answers carry the question's own spelling: resolvers using 0x20 case randomisation check it.
  if (wants(TYPE.A)) {
    for (const address of set.a.get(name) ?? [])
      msg.answers.push(record(question.name, { kind: 'A', address }, TYPE.A));
  }
  if (wants(TYPE.SRV)) {
    const targets = new Set<string>();
    for (const srv of set.srv.get(name) ?? []) {
      msg.answers.push(record(question.name, { kind: 'SRV', ...srv }, TYPE.SRV));
      targets.add(srv.target);
    }
    // The targets' addresses save the client a second round trip per task.
    const extra = [...targets].flatMap((target) =>
      (set.a.get(target) ?? []).map((address) => record(target, { kind: 'A', address }, TYPE.A)),
    );
    msg.additionals.unshift(...extra);
  }
  return fit(msg, limit);
}
