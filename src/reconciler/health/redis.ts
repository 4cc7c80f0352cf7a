import type { HealthResult } from '../../core/health.js';
import type { HealthChecker } from './checker.js';
import { exchange } from './exchange.js';

/** One RESP2 reply; arrays never come back for the commands we send, so they count as unexpected. */
interface Reply {
  kind: '+' | '-' | ':' | '$' | '*' | '?';
  text: string;
}

/** A probe talking to the wrong service must not make us buffer without bound. */
const MAX_BUFFER = 1 << 20;

/** Commands as RESP arrays of bulk strings: binary-safe, so any password travels verbatim. */
function encode(args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/** The next complete reply at `offset`, or null when more bytes are needed. */
function parseReply(buf: Buffer, offset: number): { reply: Reply; next: number } | null {
  const eol = buf.indexOf('\r\n', offset);
  if (eol < 0) return null;
  const type = String.fromCharCode(buf[offset] ?? 0);
  const line = buf.toString('utf8', offset + 1, eol);
  if (type !== '$') {
    const kind = '+-:*'.includes(type) ? (type as Reply['kind']) : '?';
    return { reply: { kind, text: line }, next: eol + 2 };
  }
  const length = Number.parseInt(line, 10);
  if (length < 0) return { reply: { kind: '$', text: '' }, next: eol + 2 };
  const end = eol + 2 + length;
  if (buf.length < end + 2) return null;
  return { reply: { kind: '$', text: buf.toString('utf8', eol + 2, end) }, next: end + 2 };
}

function evaluate(replies: Reply[], auth: boolean, replica: boolean): HealthResult {
  let i = 0;
  const next = (): Reply => replies[i++] ?? { kind: '?', text: '' };
  if (auth) {
    const r = next();
    if (r.kind !== '+') return { ok: false, message: `AUTH failed: ${r.text}` };
  }
  const pong = next();
  if (pong.kind !== '+' || pong.text !== 'PONG') {
    return { ok: false, message: `PING answered ${pong.kind}${pong.text}` };
  }
  if (!replica) return { ok: true, message: 'PONG' };
  const info = next();
  if (info.kind !== '$') return { ok: false, message: `INFO replication failed: ${info.text}` };
  const link = /master_link_status:(\w+)/.exec(info.text)?.[1];
  if (link !== 'up') {
    const why = link ? `master_link_status:${link}` : 'not a replica';
    return { ok: false, message: `replication link down (${why})` };
  }
  return { ok: true, message: 'PONG, replication link up' };
}

/** REDIS: optional AUTH, PING must answer PONG, and a replica's link to its primary must be up. */
export const redisCheck: HealthChecker = async (spec, target) => {
  const port = target.ports[spec.portIndex];
  if (port === undefined) return { ok: false, message: `the task has no port at index ${spec.portIndex}` };
  const password = spec.redis?.password;
  const replica = spec.redis?.replica ?? false;
  const commands: string[][] = [];
  if (password !== undefined) commands.push(['AUTH', password]);
  commands.push(['PING']);
  if (replica) commands.push(['INFO', 'replication']);

  // Pipelined: one round trip. If AUTH fails, the later replies are NOAUTH errors we never read.
  const result = await exchange<HealthResult>({
    host: target.host,
    port,
    timeoutMs: spec.timeoutSeconds * 1000,
    request: commands.map(encode).join(''),
    maxBytes: MAX_BUFFER,
    onData: (buf) => {
      const replies: Reply[] = [];
      let offset = 0;
      for (let r = parseReply(buf, offset); r; r = parseReply(buf, offset)) {
        replies.push(r.reply);
        offset = r.next;
      }
      return replies.length >= commands.length
        ? evaluate(replies, password !== undefined, replica)
        : undefined;
    },
    failure: (message) => ({ ok: false, message }),
    messages: {
      timeout: `timed out after ${spec.timeoutSeconds}s`,
      tooLarge: 'reply too large: is this Redis?',
      closed: 'Redis closed the connection before answering',
      unreachable: `cannot reach Redis at ${target.host}:${port}`,
    },
  });
  // Redis never echoes a password, but a message may reach logs and the API: make sure.
  const message = password ? result.message.split(password).join('********') : result.message;
  return { ok: result.ok, message };
};
