import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BasicAuth } from './settings.js';

/** The server answered with a status that is not content (404, 401, 503…). */
export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly url: string,
  ) {
    super(`HTTP ${status}`);
  }
}

/** The connection failed or broke: worth another try. `code` is what messages show (ECONNREFUSED…). */
export class NetworkError extends Error {
  constructor(
    readonly code: string,
    readonly url: string,
    message = code,
  ) {
    super(message);
  }
}

/** The server sent more bytes than the lock file says the artifact has. */
export class TooLargeError extends Error {}

export interface DownloadOptions {
  auth?: BasicAuth;
  /** The size pinned in the lock: a body growing past it is cut off. */
  maxBytes: number;
  /** Socket idle time after which the request counts as a network error. */
  timeoutMs: number;
  onBytes?: (bytes: number) => void;
}

export interface DownloadResult {
  sha256: string;
  bytes: number;
  /** Where the body started: the size of the partial file when the server honoured Range, else 0. */
  resumedFrom: number;
}

const MAX_REDIRECTS = 5;

/**
 * One GET of `url` into `file`. When `file` already holds bytes it asks for the rest with Range and
 * appends; a server that ignores Range (200) or refuses it (416) gets a full download instead. The
 * SHA-256 covers the whole file, old bytes included, so the caller can compare it with the lock.
 */
export async function downloadOnce(
  url: string,
  file: string,
  opts: DownloadOptions,
): Promise<DownloadResult> {
  let offset = fileSize(file);
  let target = url;
  let auth = opts.auth;
  for (let hops = 0; ;) {
    const res = await get(target, auth, offset, opts.timeoutMs);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if ([301, 302, 303, 307, 308].includes(status) && location && hops < MAX_REDIRECTS) {
      res.resume();
      const next = new URL(location, target);
      // Credentials are for the repository, not for wherever it sends us (e.g. a signed S3 URL).
      if (next.origin !== new URL(target).origin) auth = undefined;
      target = next.toString();
      hops++;
      continue;
    }
    if (status === 416 && offset > 0) {
      res.resume();
      offset = 0;
      fs.truncateSync(file, 0);
      continue;
    }
    if (status !== 200 && status !== 206) {
      res.resume();
      throw new HttpStatusError(status, target);
    }
    const start = status === 206 ? rangeStart(res.headers['content-range']) : 0;
    if (status === 206 && start !== offset) {
      // A range we did not ask for: start over rather than splice mismatched bytes.
      res.resume();
      offset = 0;
      fs.truncateSync(file, 0);
      continue;
    }
    return await receive(res, file, start, opts, target);
  }
}

async function receive(
  res: http.IncomingMessage,
  file: string,
  start: number,
  opts: DownloadOptions,
  url: string,
): Promise<DownloadResult> {
  // pipeline() hands the first error to every stream, so only the first one to fail tells whose fault
  // it was: the disk's (thrown as is) or the network's (retried). Listening before the pipeline starts
  // also keeps an early reset from surfacing as an unhandled 'error'.
  let first: 'network' | 'disk' | undefined;
  res.on('error', () => (first ??= 'network'));
  const hash = crypto.createHash('sha256');
  try {
    if (start > 0)
      for await (const chunk of fs.createReadStream(file, { end: start - 1 })) hash.update(chunk as Buffer);
  } catch (err) {
    res.destroy();
    throw err;
  }
  let bytes = start;
  opts.onBytes?.(bytes);
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > opts.maxBytes) return done(new TooLargeError(`more than ${opts.maxBytes} bytes`));
      hash.update(chunk);
      opts.onBytes?.(bytes);
      done(null, chunk);
    },
  });
  const out = fs.createWriteStream(file, { flags: start > 0 ? 'a' : 'w' });
  out.on('error', () => (first ??= 'disk'));
  try {
    await pipeline(res, count, out);
  } catch (err) {
    if (err instanceof TooLargeError || first === 'disk') throw err;
    const code = (err as NodeJS.ErrnoException).code ?? 'ECONNRESET';
    throw new NetworkError(code, url, `${code} after ${bytes} bytes`);
  }
  return { sha256: hash.digest('hex'), bytes, resumedFrom: start };
}

function get(
  url: string,
  auth: BasicAuth | undefined,
  offset: number,
  timeoutMs: number,
): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const headers: Record<string, string> = {
      'user-agent': 'flotilla-artifacts',
      'accept-encoding': 'identity',
    };
    if (offset > 0) headers.range = `bytes=${offset}-`;
    if (auth)
      headers.authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
    const mod = u.protocol === 'https:' ? https : u.protocol === 'http:' ? http : null;
    if (!mod) return reject(new NetworkError('EPROTO', url, `unsupported protocol ${u.protocol}`));
    let response: http.IncomingMessage | undefined;
    const req = mod.get(u, { headers }, (res) => {
      // A body we skip (redirects, errors) may still fail; that must not become an unhandled 'error'.
      res.on('error', () => {});
      resolve((response = res));
    });
    req.setTimeout(timeoutMs, () => {
      const err = Object.assign(new Error(`no data for ${timeoutMs} ms`), { code: 'ETIMEDOUT' });
      // Once the body is flowing, failing the response is what makes the pipeline reject with ETIMEDOUT.
      if (response) response.destroy(err);
      else req.destroy(err);
    });
    req.on('error', (err: NodeJS.ErrnoException) => reject(new NetworkError(err.code ?? 'ECONNRESET', url)));
  });
}

function rangeStart(header: string | undefined): number {
  const m = /^bytes (\d+)-/.exec(header ?? '');
  return m ? Number(m[1]) : -1;
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}
