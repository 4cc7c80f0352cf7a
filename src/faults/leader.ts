import net from 'node:net';
import type { TaskRecord } from '../core/task.js';

/**
 * The leader among a service's tasks, asked of the service itself, for `pick: leader`. ZooKeeper:
 * the server whose `srvr` (a four-letter word its config allows) says `Mode: leader`. Other packages
 * cannot name one yet: null.
 */
export async function leaderOf(pkg: string, candidates: TaskRecord[]): Promise<TaskRecord | null> {
  if (pkg !== 'zookeeper') return null;
  const modes = await Promise.all(
    candidates.map(
      async (t) => ((await fourLetters(t.host, t.ports[0] ?? 0, 'srvr')) ?? '').match(/^Mode: (\w+)/m)?.[1],
    ),
  );
  const i = modes.indexOf('leader');
  return i < 0 ? null : candidates[i]!;
}

/** Sends a four-letter word and reads the answer until the server closes; null when it does not answer. */
export function fourLetters(
  host: string,
  port: number,
  word: string,
  timeoutMs = 2000,
): Promise<string | null> {
  return new Promise((resolve) => {
    let text = '';
    const socket = net.connect({ host, port });
    const done = (value: string | null) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(value);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    socket.on('connect', () => socket.write(word));
    socket.on('data', (c) => (text += c.toString()));
    socket.on('end', () => done(text));
    socket.on('error', () => done(null));
  });
}
