import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { FlotillaError, type ErrorCode } from '../core/errors.js';
import { LIMITS, formatBytes } from '../core/limits.js';

/**
 * The HTTP layer's own refusals in the coded shape of every other error: what Fastify and Node
 * answer by themselves (no route, a body too large or of another type, headers too large, a
 * malformed request) carries a code whose status is the one sent, as docs/errors.md lists them.
 */

/** Fastify's errors of the request itself, by their code. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
};

/** Other client errors by status; a status without its own code is answered as a malformed request. */
const BY_STATUS: Record<number, ErrorCode> = {
  404: 'ROUTE_NOT_FOUND',
  408: 'REQUEST_TIMEOUT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  431: 'HEADERS_TOO_LARGE',
};

/** A client error Fastify raised, as a coded error whose status is the one to send. */
export function frameworkError(err: { code?: string; statusCode?: number; message: string }): FlotillaError {
  const code: ErrorCode =
    (err.code ? FASTIFY_CODES[err.code] : undefined) ??
    BY_STATUS[err.statusCode ?? 400] ??
    'VALIDATION_FAILED';
  const message =
    code === 'PAYLOAD_TOO_LARGE'
      ? `the request body is larger than ${formatBytes(LIMITS.bodyBytes)}`
      : code === 'UNSUPPORTED_MEDIA_TYPE'
        ? `${err.message}; send JSON (Content-Type: application/json)`
        : err.message;
  return new FlotillaError(code, message);
}

/**
 * Node's HTTP parser refuses some requests before Fastify sees them (headers over 16 KiB, a request
 * that stalls, bytes that are not HTTP): answered here, coded, and the connection closed.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const error =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? new FlotillaError(
          'HEADERS_TOO_LARGE',
          `the request line and headers are larger than ${formatBytes(LIMITS.headerBytes)}`,
        )
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new FlotillaError('REQUEST_TIMEOUT', 'the request did not arrive in time')
        : new FlotillaError('VALIDATION_FAILED', `a malformed HTTP request (${err.code ?? err.message})`);
  const body = JSON.stringify(error.toJSON());
  const reason = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' }[
    error.status
  ];
  socket.end(
    `HTTP/1.1 ${error.status} ${reason ?? 'Bad Request'}\r\nConnection: close\r\n` +
      `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/**
 * JSON bodies are counted before they are parsed: one pass over the text (a few ms a MiB) refuses
 * a body of too many nodes or too deep before JSON.parse builds it (400,000 keys take 300 ms to
 * build, with the event loop blocked meanwhile). Within the limits the default parser runs.
 */
export function boundedJsonParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  // No route takes text: a text body is refused as such (415), not read as a string to fail later.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const problem = shapeProblem(body as string);
    if (problem)
      return done(new FlotillaError('INPUT_TOO_COMPLEX', `the request body ${problem}`), undefined);
    parse(req, body as string, done);
  });
}

/** What is wrong with the shape of a JSON text, or null: counts values and nesting outside strings. */
export function shapeProblem(text: string): string | null {
  let nodes = 0;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // A string is skipped whole: its closing quote is the next one not escaped by an odd run of \\.
      let end = text.indexOf('"', i + 1);
      while (end > 0 && escaped(text, end)) end = text.indexOf('"', end + 1);
      if (end < 0) return null;
      i = end;
    } else if (c === 91 || c === 123) {
      if (++depth > LIMITS.depth) return `nests deeper than ${LIMITS.depth} levels`;
    } else if (c === 93 || c === 125) depth--;
    // Every value but the first follows a comma or a colon: keys and values both count, as in YAML.
    else if ((c === 44 || c === 58) && ++nodes > LIMITS.nodes)
      return `has more than ${LIMITS.nodes} nodes (keys, values and list items)`;
  }
  return null;
}

function escaped(text: string, quote: number): boolean {
  let n = 0;
  for (let j = quote - 1; j >= 0 && text.charCodeAt(j) === 92; j--) n++;
  return n % 2 === 1;
}
