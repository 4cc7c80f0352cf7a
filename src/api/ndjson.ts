import type { FastifyReply } from 'fastify';
import { FlotillaError, isFlotillaError } from '../core/errors.js';

/**
 * The reply as a stream of newline-delimited JSON lines (progress as it happens, then one last line):
 * what the image, artifact and stack routes answer a caller that follows their progress.
 */
export function ndjson<L>(reply: FastifyReply): { line: (o: L) => void; end: () => void } {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-cache' });
  return { line: (o) => res.write(`${JSON.stringify(o)}\n`), end: () => res.end() };
}

/** A failure as the stream's last line: its code, message and hint. */
export const errorLine = (err: unknown) => ({
  type: 'error' as const,
  error: (isFlotillaError(err) ? err : new FlotillaError('INTERNAL', String(err))).toJSON(),
});
