import { FlotillaError, type ErrorBody } from '../core/errors.js';
import type { Wire, WireResponse } from './wire.js';

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

  /** `wire`: how bytes travel (node's http for the CLI, fetch in a browser). */
  constructor(
    address: string,
    options: ClientOptions,
    private readonly wire: Wire,
  ) {
    this.base = parseAddress(address);
    this.auth = {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.tenant ? { 'flotilla-tenant': options.tenant } : {}),
    };
  }

  get address(): string {
    return this.base.origin;
  }

  protected async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    let res: WireResponse;
    try {
      res = await this.wire.send(method, new URL(path, this.base), this.headers(payload), payload);
    } catch (err) {
      throw unreachable(this.address, err as Error);
    }
    const { status, text, contentType } = res;
    if (status >= 400) throw toError(status, text);
    if (status === 204) return undefined as T;
    if (text === '') return (contentType.includes('json') ? undefined : '') as T;
    return (contentType.includes('json') ? JSON.parse(text) : text) as T;
  }

  /** A file's bytes sent as the body (application/octet-stream); the JSON answer returned. */
  protected async upload<T>(method: string, path: string, body: Uint8Array | Blob): Promise<T> {
    let res: WireResponse;
    try {
      const headers = { ...this.auth, 'content-type': 'application/octet-stream' };
      res = await this.wire.send(method, new URL(path, this.base), headers, body);
    } catch (err) {
      throw unreachable(this.address, err as Error);
    }
    if (res.status >= 400) throw toError(res.status, res.text);
    return JSON.parse(res.text) as T;
  }

  /** A GET (or a POST or PUT of `post.body`) whose answer is read as it comes; ends when the daemon ends it. */
  protected async stream(
    path: string,
    onChunk: (text: string) => void,
    signal?: AbortSignal,
    post?: { method: 'POST' | 'PUT'; body: unknown },
  ): Promise<void> {
    const payload = post ? JSON.stringify(post.body) : undefined;
    let failed: WireResponse | null;
    try {
      failed = await this.wire.open(
        post?.method ?? 'GET',
        new URL(path, this.base),
        this.headers(payload),
        payload,
        onChunk,
        signal,
      );
    } catch (err) {
      throw unreachable(this.address, err as Error);
    }
    if (failed) throw toError(failed.status, failed.text);
  }

  /**
   * A POST (or PUT) answered with newline-delimited JSON progress: every line goes to `onLine`; the
   * last must say `done` (it is returned) or `error` (thrown as the coded error it carries).
   */
  protected async progress<L extends { type: string; error?: ErrorBody }>(
    path: string,
    body: unknown,
    onLine: (line: L) => void,
    what: string,
    method: 'POST' | 'PUT' = 'POST',
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
      { method, body },
    );
    const final = last as L | null;
    if (final?.type === 'error' && final.error) throw FlotillaError.fromBody(final.error);
    if (final?.type !== 'done') throw new FlotillaError('INTERNAL', `${what} ended without a result`);
    return final;
  }

  private headers(payload: string | undefined): Record<string, string> {
    return { ...this.auth, ...(payload ? { 'content-type': 'application/json' } : {}) };
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
