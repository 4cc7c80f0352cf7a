import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fs from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import type { Writable } from 'node:stream';

/** The followed logs of each HTTP server, ended when it closes: a follower never holds a stopping daemon up. */
const FOLLOWERS = new WeakMap<Server, Set<{ end(): void }>>();

/** Ends every followed log when `app` closes (the event stream does the same with its followers). */
export function endFollowersOnClose(app: FastifyInstance): void {
  const open = new Set<{ end(): void }>();
  FOLLOWERS.set(app.server, open);
  app.addHook('preClose', async () => {
    for (const res of open) res.end();
  });
}

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
  const open = FOLLOWERS.get(req.server.server);
  open?.add(reply.raw);
  req.raw.on('close', () => {
    open?.delete(reply.raw);
    done.abort();
  });
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
  let rotatedIno = inode(`${file}.1`);
  const readFrom = (name: string, from: number): number => {
    const size = fs.statSync(name).size;
    if (size <= from) return from;
    const fd = fs.openSync(name, 'r');
    try {
      const buf = Buffer.alloc(size - from);
      fs.readSync(fd, buf, 0, buf.length, from);
      out.write(buf);
    } finally {
      fs.closeSync(fd);
    }
    return size;
  };
  const pump = () => {
    if (signal.aborted || !fs.existsSync(file)) return;
    // The daemon rotates by copy and truncate (reconciler/log-rotation.ts): what we had not read yet
    // is now at the end of a rotated file. Every rotation makes a new `.1`; where the `.1` we knew
    // went says how many rotations happened since we last looked.
    const ino = inode(`${file}.1`);
    if (ino !== rotatedIno) {
      const rotations = rotationsSince(file, rotatedIno);
      for (let k = rotations; k >= 1; k--) {
        try {
          readFrom(`${file}.${k}`, k === rotations ? position : 0);
        } catch {
          // dropped meanwhile: too many rotations between two looks
        }
      }
      position = 0;
      rotatedIno = ino;
    }
    if (fs.statSync(file).size < position) position = 0; // truncated without a copy
    position = readFrom(file, position);
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

function inode(file: string): number | null {
  try {
    return fs.statSync(file).ino;
  } catch {
    return null;
  }
}

/** How many times `file` was rotated since its `.1` was `known` (null: there was none). */
function rotationsSince(file: string, known: number | null): number {
  let count = 0;
  for (let k = 1; fs.existsSync(`${file}.${k}`); k++) {
    if (known !== null && inode(`${file}.${k}`) === known) return k - 1;
    count = k;
  }
  return count;
}
