import type { FastifyReply, FastifyRequest } from 'fastify';
import fs from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';

/**
 * Answers a log read: the last `tail` lines (200 by default) as text, or with `follow` those lines
 * and then what is appended, until the client goes away or `finished` says the writer is done.
 */
export function sendLog(
  req: FastifyRequest,
  reply: FastifyReply,
  file: string,
  q: { tail?: number; follow?: boolean },
  finished?: () => boolean,
): FastifyReply | undefined {
  const { text, size } = tailFile(file, q.tail ?? 200);
  if (!q.follow) return reply.type('text/plain; charset=utf-8').send(text);
  reply.hijack();
  reply.raw.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' });
  reply.raw.write(text);
  const done = new AbortController();
  req.raw.on('close', () => done.abort());
  follow(file, size, reply.raw, done.signal, finished);
  return undefined;
}

/** The last `lines` lines of a log file, reading only its tail. */
export function tailFile(file: string, lines: number): { text: string; size: number } {
  if (!fs.existsSync(file)) return { text: '', size: 0 };
  const size = fs.statSync(file).size;
  const chunk = Math.min(size, Math.max(64 * 1024, lines * 512));
  const buf = Buffer.alloc(chunk);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, buf, 0, chunk, size - chunk);
  } finally {
    fs.closeSync(fd);
  }
  const all = buf.toString('utf8').split('\n');
  if (all[all.length - 1] === '') all.pop();
  return { text: all.slice(-lines).join('\n') + (all.length > 0 ? '\n' : ''), size };
}

/**
 * Writes what is appended to `file` from `offset` on, until `signal` aborts, or until `finished`
 * (a job's log: its writer is gone) — then what is left is written and `out` ends.
 */
export function follow(
  file: string,
  offset: number,
  out: Writable,
  signal: AbortSignal,
  finished?: () => boolean,
): void {
  let position = offset;
  const pump = () => {
    if (signal.aborted || !fs.existsSync(file)) return;
    const size = fs.statSync(file).size;
    if (size < position) position = 0; // truncated
    if (size === position) return;
    const fd = fs.openSync(file, 'r');
    try {
      const buf = Buffer.alloc(size - position);
      fs.readSync(fd, buf, 0, buf.length, position);
      position = size;
      out.write(buf);
    } finally {
      fs.closeSync(fd);
    }
  };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const timer = setInterval(() => {
    // Asked before the last read, so that nothing written before the end is missed.
    const last = finished?.() ?? false;
    pump();
    if (last) {
      clearInterval(timer);
      out.end();
    }
  }, 200);
  signal.addEventListener('abort', () => clearInterval(timer), { once: true });
}
