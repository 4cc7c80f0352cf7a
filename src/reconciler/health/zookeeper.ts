import type { HealthResult } from '../../core/health.js';
import type { HealthChecker } from './checker.js';
import { exchange } from './exchange.js';

/** `srvr` answers in a few hundred bytes; anything far larger is not ZooKeeper. */
const MAX_ANSWER = 64 * 1024;

/** Modes in which a server answers clients; "read-only" does not count: writes fail there. */
const SERVING_MODES = new Set(['leader', 'follower', 'standalone', 'observer']);

type Answer = { ok: true; text: string } | { ok: false; message: string };

/** Sends one four-letter word; ZooKeeper writes its answer and closes, so the answer ends at EOF. */
function fourLetterWord(host: string, port: number, word: string, timeoutMs: number): Promise<Answer> {
  return exchange<Answer>({
    host,
    port,
    timeoutMs,
    request: word,
    maxBytes: MAX_ANSWER,
    onEnd: (received) => ({ ok: true, text: received.toString('utf8').trim() }),
    failure: (message) => ({ ok: false, message }),
    messages: {
      timeout: `${word} timed out after ${timeoutMs / 1000}s`,
      tooLarge: `${word} answer too large: is this ZooKeeper?`,
      closed: `ZooKeeper closed the connection during ${word}`,
      unreachable: `cannot reach ZooKeeper at ${host}:${port}`,
    },
  });
}

/** The first line of an answer, short enough to show as a health message. */
function excerpt(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > 120 ? `${line.slice(0, 120)}…` : line;
}

function evaluate(ruok: Answer, srvr: Answer): HealthResult {
  if (!ruok.ok) return { ok: false, message: ruok.message };
  if (ruok.text === '') return { ok: false, message: 'no answer to ruok: is this ZooKeeper?' };
  if (ruok.text !== 'imok') {
    return { ok: false, message: `ruok answered ${JSON.stringify(excerpt(ruok.text))}, not "imok"` };
  }
  if (!srvr.ok) return { ok: false, message: srvr.message };
  // A running server outside a quorum still says imok; only srvr tells whether it serves requests.
  if (srvr.text.includes('not currently serving')) {
    return { ok: false, message: 'imok, but not serving requests (no quorum yet)' };
  }
  if (srvr.text.includes('not in the whitelist')) {
    return { ok: false, message: 'srvr is not allowed: add it to 4lw.commands.whitelist' };
  }
  const mode = /^Mode: (\S+)/m.exec(srvr.text)?.[1];
  if (!mode) return { ok: false, message: `srvr answered ${JSON.stringify(excerpt(srvr.text))}` };
  if (!SERVING_MODES.has(mode)) return { ok: false, message: `imok, but Mode: ${mode}` };
  return { ok: true, message: `imok, Mode: ${mode}` };
}

/** ZOOKEEPER: `ruok` must answer `imok`, and `srvr` must show a serving mode (leader, follower, …). */
export const zookeeperCheck: HealthChecker = async (spec, target) => {
  const port = target.ports[spec.portIndex];
  if (port === undefined) return { ok: false, message: `the task has no port at index ${spec.portIndex}` };
  const timeoutMs = spec.timeoutSeconds * 1000;
  // ZooKeeper closes the connection after each word: one connection per word, both at once.
  const [ruok, srvr] = await Promise.all([
    fourLetterWord(target.host, port, 'ruok', timeoutMs),
    fourLetterWord(target.host, port, 'srvr', timeoutMs),
  ]);
  return evaluate(ruok, srvr);
};
