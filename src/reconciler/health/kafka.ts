import type { HealthResult } from '../../core/health.js';
import type { HealthChecker } from './checker.js';
import { exchange } from './exchange.js';

/** A Metadata answer without topics is a few hundred bytes; a larger frame means a wrong peer. */
const MAX_FRAME = 1 << 20;
const METADATA = 3;
/**
 * Version 4: the oldest one Kafka 4 still serves (KIP-896 removed 0–3) and the newest one without
 * flexible (tagged-field) encoding, so the same bytes work against Kafka 2.x, 3.x and 4.x.
 */
const METADATA_VERSION = 4;
const CLIENT_ID = 'flotilla-health';

export interface MetadataAnswer {
  correlationId: number;
  brokers: { nodeId: number; host: string; port: number }[];
  clusterId: string | null;
  controllerId: number;
}

/** A Metadata request that names no topics (an empty array, not null which means all of them). */
export function encodeMetadataRequest(correlationId: number): Buffer {
  const client = Buffer.from(CLIENT_ID);
  const body = Buffer.alloc(2 + 2 + 4 + 2 + client.length + 4 + 1);
  let at = body.writeInt16BE(METADATA, 0);
  at = body.writeInt16BE(METADATA_VERSION, at);
  at = body.writeInt32BE(correlationId, at);
  at = body.writeInt16BE(client.length, at);
  at += client.copy(body, at);
  at = body.writeInt32BE(0, at);
  body.writeInt8(0, at); // allow_auto_topic_creation: a probe must never create anything
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

/** Reads big-endian fields and throws a RangeError past the end, which makes a malformed answer. */
class Reader {
  private at = 0;
  constructor(private readonly buf: Buffer) {}
  int32(): number {
    const v = this.buf.readInt32BE(this.at);
    this.at += 4;
    return v;
  }
  int16(): number {
    const v = this.buf.readInt16BE(this.at);
    this.at += 2;
    return v;
  }
  string(): string | null {
    const length = this.int16();
    if (length < 0) return null;
    if (this.at + length > this.buf.length) throw new RangeError('string past the end');
    const v = this.buf.toString('utf8', this.at, this.at + length);
    this.at += length;
    return v;
  }
}

/** Parses a Metadata v4 response frame (without its size prefix), up to the controller id. */
export function parseMetadataResponse(frame: Buffer): MetadataAnswer {
  const r = new Reader(frame);
  const correlationId = r.int32();
  r.int32(); // throttle_time_ms
  const count = r.int32();
  if (count < 0 || count > 10_000) throw new RangeError(`bad broker count ${count}`);
  const brokers: MetadataAnswer['brokers'] = [];
  for (let i = 0; i < count; i++) {
    const nodeId = r.int32();
    const host = r.string() ?? '';
    const port = r.int32();
    r.string(); // rack
    brokers.push({ nodeId, host, port });
  }
  const clusterId = r.string();
  const controllerId = r.int32();
  return { correlationId, brokers, clusterId, controllerId };
}

function evaluate(answer: MetadataAnswer, brokerId: number | undefined): HealthResult {
  const ids = answer.brokers.map((b) => b.nodeId).sort((a, b) => a - b);
  // Not the controller id: KRaft brokers report a random broker there, so it would mislead.
  const summary = `${ids.length} broker${ids.length === 1 ? '' : 's'}: ${ids.join(', ')}`;
  if (brokerId === undefined) {
    return ids.length > 0
      ? { ok: true, message: `metadata lists ${summary}` }
      : { ok: false, message: 'the broker knows no brokers yet' };
  }
  if (!ids.includes(brokerId)) {
    const seen = ids.length ? `it lists ${summary}` : 'it lists none yet';
    return { ok: false, message: `broker ${brokerId} is not registered in the cluster (${seen})` };
  }
  return { ok: true, message: `broker ${brokerId} registered (${summary})` };
}

/**
 * KAFKA: a Metadata request to the broker itself; ready when the broker answers and lists its own
 * id, i.e. it has registered with the cluster and its metadata is current enough to serve clients.
 */
export const kafkaCheck: HealthChecker = (spec, target) => {
  const port = target.ports[spec.portIndex];
  if (port === undefined) {
    return Promise.resolve({ ok: false, message: `the task has no port at index ${spec.portIndex}` });
  }
  const brokerId = spec.kafka?.brokerId;
  const correlationId = Math.floor(Math.random() * 0x7fffffff);
  return exchange<HealthResult>({
    host: target.host,
    port,
    timeoutMs: spec.timeoutSeconds * 1000,
    request: encodeMetadataRequest(correlationId),
    maxBytes: 4 + MAX_FRAME,
    onData: (buf) => {
      if (buf.length < 4) return undefined;
      const size = buf.readInt32BE(0);
      if (size < 8 || size > MAX_FRAME)
        return { ok: false, message: `bad frame size ${size}: is this Kafka?` };
      if (buf.length < 4 + size) return undefined;
      let answer: MetadataAnswer;
      try {
        answer = parseMetadataResponse(buf.subarray(4, 4 + size));
      } catch (err) {
        return { ok: false, message: `malformed Metadata answer: ${(err as Error).message}` };
      }
      if (answer.correlationId !== correlationId) {
        return { ok: false, message: 'the answer is not for our request: is this Kafka?' };
      }
      return evaluate(answer, brokerId);
    },
    failure: (message) => ({ ok: false, message }),
    messages: {
      timeout: `timed out after ${spec.timeoutSeconds}s`,
      tooLarge: 'answer too large: is this Kafka?',
      // Kafka drops the connection on a request it cannot parse or a version it does not serve.
      closed: 'Kafka closed the connection before answering',
      unreachable: `cannot reach Kafka at ${target.host}:${port}`,
    },
  });
};
