import {
  BYTES_SHOWN_MAX,
  type KafkaBytesView,
  type KafkaGroupOffsetView,
  type KafkaMessageView,
  type KafkaPartitionView,
  type KafkaTopicSummary,
} from '../../core/kafka-schemas.js';

/**
 * The arithmetic of Kafka's data plane views, apart from any client: lag, a partition's latest
 * window, a topic's summary, and bytes as the API shows them. Offsets arrive from Kafka as int64
 * strings; -1 means "none".
 */

/** An int64 offset as a number; null for Kafka's -1 ("no offset"). */
export function offsetOf(text: string | number): number | null {
  if (typeof text === 'string' && text.trim() === '') return null;
  const n = Number(text);
  return Number.isFinite(n) && n >= 0 ? n : null;
}

/**
 * A group's lag on one partition, as kafka-consumer-groups.sh computes it: log end offset minus the
 * committed offset; null when the group committed nothing there. Never negative (a committed offset
 * past the end, after a truncation, is not "ahead").
 */
export function partitionLag(committed: number | null, end: number): number | null {
  if (committed === null) return null;
  return Math.max(0, end - committed);
}

/** A group's lag: the sum over the partitions it committed on. */
export function totalLag(offsets: Pick<KafkaGroupOffsetView, 'lag'>[]): number {
  return offsets.reduce((sum, o) => sum + (o.lag ?? 0), 0);
}

/** The offsets a browse of the latest `limit` messages reads: [from, end); empty when from = end. */
export function latestWindow(start: number, end: number, limit: number): { from: number; end: number } {
  return { from: Math.max(start, end - Math.max(0, limit)), end };
}

/** A topic's line in the list, from its partitions. */
export function topicSummary(
  name: string,
  partitions: Pick<KafkaPartitionView, 'leader' | 'replicas' | 'isr' | 'start' | 'end'>[],
): KafkaTopicSummary {
  return {
    name,
    internal: isInternalTopic(name),
    partitions: partitions.length,
    replicationFactor: Math.max(0, ...partitions.map((p) => p.replicas.length)),
    underReplicated: partitions.filter((p) => p.isr.length < p.replicas.length).length,
    offline: partitions.filter((p) => p.leader === null).length,
    messages: partitions.reduce((sum, p) => sum + Math.max(0, p.end - p.start), 0),
  };
}

export function isInternalTopic(name: string): boolean {
  return name.startsWith('__');
}

/**
 * The newest messages whose keys, values and headers fit in `budget` characters, oldest first, and
 * how many older ones were left out (the newest is always kept).
 */
export function newestWithin(
  messages: KafkaMessageView[],
  budget: number,
): { messages: KafkaMessageView[]; omitted: number } {
  let used = 0;
  let keep = 0;
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    const chars =
      (m.key?.data.length ?? 0) +
      (m.value?.data.length ?? 0) +
      m.headers.reduce((n, h) => n + h.key.length + (h.value?.data.length ?? 0), 0);
    if (keep > 0 && used + chars > budget) break;
    used += chars;
    keep++;
  }
  return { messages: messages.slice(messages.length - keep), omitted: messages.length - keep };
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A key, value or header value as the API returns it: text when the bytes are valid UTF-8 without
 * control characters other than tab and newlines, else base64; cut at `max` bytes (a cut may split
 * a UTF-8 sequence, so a cut value is judged on its whole bytes first).
 */
export function bytesView(
  bytes: Buffer | string | null | undefined,
  max = BYTES_SHOWN_MAX,
): KafkaBytesView | null {
  if (bytes === null || bytes === undefined) return null;
  const buf = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  const truncated = buf.length > max;
  const text = asText(buf);
  if (text !== null) {
    const shown = truncated ? asText(cutUtf8(buf, max)) : text;
    if (shown !== null) return { encoding: 'utf8', data: shown, size: buf.length, truncated };
  }
  const shown = truncated ? buf.subarray(0, max) : buf;
  return { encoding: 'base64', data: shown.toString('base64'), size: buf.length, truncated };
}

function asText(buf: Buffer): string | null {
  try {
    const text = UTF8.decode(buf);
    // eslint-disable-next-line no-control-regex
    return /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text) ? null : text;
  } catch {
    return null;
  }
}

/** The first `max` bytes, backed off to the start of a UTF-8 sequence. */
function cutUtf8(buf: Buffer, max: number): Buffer {
  let end = max;
  while (end > 0 && (buf[end]! & 0xc0) === 0x80) end--;
  return buf.subarray(0, end);
}
