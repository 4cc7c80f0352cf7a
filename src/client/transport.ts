import http from 'node:http';
import { FlotillaError, type ErrorBody } from '../core/errors.js';

export interface ClientOptions {
  /** An API token (`flt_…`); sent as `Authorization: Bearer`. */
  token?: string;
  /** Act for this tenant (cluster admins only): sent as the Flotilla-Tenant header. */
  tenant?: string;
}

/**
 * HTTP to one daemon: JSON calls, streamed answers, and the daemon's coded errors turned back into
 * FlotillaError. The route groups of the client build on it; nothing else in the client opens a socket.
 */
export class Transport {
  private readonly base: URL;
  private readonly auth: Record<string, string>;

  constructor(address: string, options: ClientOptions = {}) {
    this.base = parseAddress(address);
    this.auth = {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.tenant ? { 'flotilla-tenant': options.tenant } : {}),
    };
  }

  get address(): string {
    return this.base.origin;
  }

  protected request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise<T>((resolve, reject) => {
      const req = http.request(
        new URL(path, this.base),
        { method, headers: this.headers(payload) },
        (res) => {
          collect(res).then((text) => {
            const status = res.statusCode ?? 500;
            if (status >= 400) return reject(toError(status, text));
            if (status === 204) return resolve(undefined as T);
            const type = String(res.headers['content-type'] ?? '');
            if (text === '') return resolve((type.includes('json') ? undefined : '') as T);
            resolve((type.includes('json') ? JSON.parse(text) : text) as T);
          }, reject);
        },
      );
      req.on('error', (err) => reject(unreachable(this.address, err)));
      if (payload) req.write(payload);
      req.end();
    });
  }

  /** A GET (or a POST of `post.body`) whose answer is read as it comes; ends when the daemon ends it. */
  protected stream(
    path: string,
    onChunk: (text: string) => void,
    signal?: AbortSignal,
    post?: { method: 'POST'; body: unknown },
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      const payload = post ? JSON.stringify(post.body) : undefined;
      const req = http.request(
        new URL(path, this.base),
        { method: post?.method ?? 'GET', headers: this.headers(payload), signal },
        (res) => {
          if ((res.statusCode ?? 500) >= 400) {
            collect(res).then((text) => reject(toError(res.statusCode ?? 500, text)), reject);
            return;
          }
          res.setEncoding('utf8');
          res.on('data', onChunk);
          res.on('end', resolve);
          res.on('error', () => resolve());
        },
      );
      req.on('error', (err) => (signal?.aborted ? resolve() : reject(unreachable(this.address, err))));
      req.end(payload);
    });
  }

  /**
   * A POST answered with newline-delimited JSON progress: every line goes to `onLine`; the last
   * must say `done` (it is returned) or `error` (thrown as the coded error it carries).
   */
  protected async progress<L extends { type: string; error?: ErrorBody }>(
    path: string,
    body: unknown,
    onLine: (line: L) => void,
    what: string,
  ): Promise<L> {
    let buffer = '';
    let last: L | null = null;
    await this.stream(
      path,
      (chunk) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n')) >= 0) {
          const line = JSON.parse(buffer.slice(0, end)) as L;
          buffer = buffer.slice(end + 1);
          last = line;
          onLine(line);
        }
      },
      undefined,
      { method: 'POST', body },
    );
    const final = last as L | null;
    if (final?.type === 'error' && final.error) throw FlotillaError.fromBody(final.error);
    if (final?.type !== 'done') throw new FlotillaError('INTERNAL', `${what} ended without a result`);
    return final;
  }

  private headers(payload: string | undefined): http.OutgoingHttpHeaders {
    return {
      ...this.auth,
      ...(payload
        ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
        : {}),
    };
  }
}

/** A path segment: a "tenant/name" keeps its slash escaped, a leading "/" is dropped. */
export function enc(s: string): string {
  return encodeURIComponent(s.replace(/^\//, ''));
}

/** `?k=v&…` of the parameters that are set (undefined and '' are left out), or '' when none is. */
export function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams(
    Object.entries(params).flatMap(([k, v]): [string, string][] =>
      v === undefined || v === '' ? [] : [[k, String(v)]],
    ),
  ).toString();
  return q ? `?${q}` : '';
}

function collect(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

function toError(status: number, text: string): FlotillaError {
  try {
    const body = JSON.parse(text) as ErrorBody;
    if (body && typeof body.code === 'string') return FlotillaError.fromBody(body);
  } catch {
    // not JSON: fall through
  }
  return new FlotillaError('INTERNAL', `the daemon answered ${status}: ${text.slice(0, 200)}`);
}

function unreachable(address: string, err: Error): FlotillaError {
  return new FlotillaError('DAEMON_UNREACHABLE', `no Flotilla daemon answers at ${address} (${err.message})`);
}

function parseAddress(address: string): URL {
  try {
    const url = new URL(address);
    if (url.protocol === 'http:') return url;
  } catch {
    // reported below
  }
  throw new FlotillaError(
    'VALIDATION_FAILED',
    `"${address}" is not a daemon address: give an http:// URL, e.g. http://127.0.0.1:4740`,
  );
}
