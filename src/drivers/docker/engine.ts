import { setMaxListeners } from 'node:events';
import http from 'node:http';
import type { Readable } from 'node:stream';
import { FlotillaError } from '../../core/errors.js';

/** Where the Docker Engine API answers, read from DOCKER_HOST as the Docker CLI reads it. */
export type EngineAddress = { socketPath: string } | { host: string; port: number };

/** `unix:///path`, `tcp://host:port` (2375 when no port), or unset: /var/run/docker.sock. */
export function engineAddress(dockerHost = process.env.DOCKER_HOST): EngineAddress {
  if (!dockerHost) return { socketPath: '/var/run/docker.sock' };
  if (dockerHost.startsWith('unix://')) return { socketPath: dockerHost.slice('unix://'.length) };
  if (dockerHost.startsWith('tcp://') || dockerHost.startsWith('http://')) {
    const url = new URL(dockerHost.replace(/^tcp:/, 'http:'));
    return { host: url.hostname, port: url.port ? Number(url.port) : 2375 };
  }
  throw new FlotillaError(
    'DOCKER_UNAVAILABLE',
    `DOCKER_HOST=${dockerHost} is not supported: use unix:///path/to/docker.sock or tcp://host:port (TLS is not supported).`,
  );
}

export function describeAddress(a: EngineAddress): string {
  return 'socketPath' in a ? `unix://${a.socketPath}` : `tcp://${a.host}:${a.port}`;
}

export interface EngineRequest {
  method?: string;
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** A raw request body (a tar build context); sent as is with this content type. */
  stream?: { data: Readable; contentType: string };
  /** Give up after this long (no default: long polls like /wait and log follows have none). */
  timeoutMs?: number;
  /**
   * A long poll or a follow (/wait, logs?follow=1, exec start): sent on a connection of its own,
   * outside the pooled agent, so that many of them never starve the short calls of sockets.
   */
  longLived?: boolean;
  /** Aborts the request (and destroys its response stream). */
  signal?: AbortSignal;
}

/** An error answer of the Engine API, with its status (404 no such container, 409 conflict, …). */
export class EngineError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A thin client of the Docker Engine API over its unix socket or TCP: JSON in and out, and raw
 * streams for logs, attach, build and events. Version-pinned paths (/v1.41, Docker 20.10) so that
 * newer engines answer the same shapes.
 */
export class Engine {
  static readonly API_VERSION = '1.41';
  readonly address: EngineAddress;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly longAgent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  private readonly lifetime = new AbortController();

  constructor(address: EngineAddress = engineAddress()) {
    this.address = address;
    // Every driver sharing this engine listens for its close.
    setMaxListeners(0, this.lifetime.signal);
  }

  /** Aborted by close(): whoever follows or long-polls through this engine stops, and retries no more. */
  get closedSignal(): AbortSignal {
    return this.lifetime.signal;
  }

  /** A JSON answer (undefined for 204/empty bodies); throws EngineError on 4xx/5xx. */
  async json<T>(req: EngineRequest): Promise<T> {
    const res = await this.raw(req);
    const text = await readAll(res);
    if (text.length === 0) return undefined as T;
    return JSON.parse(text) as T;
  }

  /** The response stream, once the status says success; the caller reads (or destroys) it. */
  raw(req: EngineRequest): Promise<http.IncomingMessage> {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) query.set(k, String(v));
    const qs = query.toString();
    const headers: Record<string, string> = {};
    let payload: string | undefined;
    if (req.stream) headers['Content-Type'] = req.stream.contentType;
    else if (req.body !== undefined) {
      payload = JSON.stringify(req.body);
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    return new Promise((resolve, reject) => {
      const request = http.request(
        {
          ...this.address,
          agent: req.longLived ? this.longAgent : this.agent,
          ...(req.signal ? { signal: req.signal } : {}),
          method: req.method ?? 'GET',
          path: `/v${Engine.API_VERSION}${req.path}${qs ? `?${qs}` : ''}`,
          headers,
        },
        (res) => {
          const status = res.statusCode ?? 0;
          if (status < 400) return resolve(res);
          void readAll(res).then(
            (text) => reject(new EngineError(status, errorMessage(text) ?? `HTTP ${status}`)),
            reject,
          );
        },
      );
      if (req.timeoutMs !== undefined) {
        request.setTimeout(req.timeoutMs, () =>
          request.destroy(new Error(`the Docker engine did not answer within ${req.timeoutMs} ms`)),
        );
      }
      request.on('error', (err) => reject(unreachable(this.address, err)));
      if (req.stream) req.stream.data.pipe(request);
      else request.end(payload);
    });
  }

  /** Whether the engine answers, and its version: what `flotilla doctor` reports. */
  async version(timeoutMs = 2000): Promise<{ Version: string; ApiVersion: string; Os: string }> {
    return this.json({ path: '/version', timeoutMs });
  }

  /** Whether the engine maps containers' users to unprivileged host ids (`dockerd --userns-remap`). */
  async remapsUsers(timeoutMs = 2000): Promise<boolean> {
    const info = await this.json<{ SecurityOptions?: string[] }>({ path: '/info', timeoutMs });
    return (info.SecurityOptions ?? []).some((o) => o.includes('name=userns'));
  }

  close(): void {
    this.lifetime.abort();
    this.agent.destroy();
    this.longAgent.destroy();
  }
}

function unreachable(address: EngineAddress, err: Error): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'EACCES') {
    return new FlotillaError(
      'DOCKER_UNAVAILABLE',
      `no Docker engine answers at ${describeAddress(address)} (${code}).`,
    );
  }
  return err;
}

function errorMessage(text: string): string | undefined {
  try {
    return (JSON.parse(text) as { message?: string }).message;
  } catch {
    return text.trim() || undefined;
  }
}

export function readAll(stream: Readable): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.on('error', reject);
    // A stream destroyed before its end (an aborted long poll) emits neither 'end' nor always 'error'.
    stream.on('close', () => reject(new Error('the Docker engine closed the stream before its end')));
  });
}

/**
 * Splits the Engine's multiplexed stdout/stderr stream (containers without a TTY): frames of an
 * 8-byte header (stream type, 3 zero bytes, big-endian length) then the payload.
 */
export function demux(stream: Readable, onFrame: (kind: 'stdout' | 'stderr', data: Buffer) => void): void {
  let pending: Buffer = Buffer.alloc(0);
  stream.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 8) {
      const size = pending.readUInt32BE(4);
      if (pending.length < 8 + size) break;
      const kind = pending[0] === 2 ? 'stderr' : 'stdout';
      onFrame(kind, pending.subarray(8, 8 + size));
      pending = pending.subarray(8 + size);
    }
  });
}
