import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { LockedArtifact } from '../../core/artifact.js';
import { repositoryPath } from '../../core/artifact.js';

/**
 * A real HTTP server on 127.0.0.1 serving a Maven repository layout from memory, for the resolver's
 * tests. It logs every request and honours Range unless told not to; `handle` may take over a request
 * (return true) to misbehave on purpose.
 */
export interface RepoServer {
  url: string;
  requests: { path: string; range?: string; authorization?: string }[];
  /** Requests for one artifact's file. */
  hits(a: LockedArtifact): { path: string; range?: string; authorization?: string }[];
  close(): Promise<void>;
}

export interface RepoServerOptions {
  files: Map<string, Buffer>;
  ignoreRange?: boolean;
  /** Called before serving; return true when it answered the request itself. */
  handle?: (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer | undefined) => boolean;
}

export async function startRepoServer(opts: RepoServerOptions): Promise<RepoServer> {
  const requests: RepoServer['requests'] = [];
  const server = http.createServer((req, res) => {
    const urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '');
    const entry: RepoServer['requests'][number] = { path: urlPath };
    if (req.headers.range) entry.range = req.headers.range;
    if (req.headers.authorization) entry.authorization = req.headers.authorization;
    requests.push(entry);
    const body = opts.files.get(urlPath);
    if (opts.handle?.(req, res, body)) return;
    if (!body) {
      res.writeHead(404).end('not found');
      return;
    }
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (m && !opts.ignoreRange) {
      const start = Number(m[1]);
      if (start >= body.length) {
        res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
        return;
      }
      res.writeHead(206, {
        'content-length': body.length - start,
        'content-range': `bytes ${start}-${body.length - 1}/${body.length}`,
      });
      res.end(body.subarray(start));
      return;
    }
    res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/maven2`,
    requests,
    hits: (a) => requests.filter((r) => r.path === `maven2/${repositoryPath(a)}`),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A made-up artifact of `size` random bytes, its lock entry, and its place in the served layout. */
export function fakeArtifact(name: string, size = 100_000): { artifact: LockedArtifact; bytes: Buffer } {
  const bytes = crypto.randomBytes(size);
  const artifact: LockedArtifact = {
    groupId: 'org.example.flotilla',
    artifactId: name,
    version: '1.0.0',
    sha256: crypto.createHash('sha256').update(bytes).digest('hex'),
    size,
  };
  return { artifact, bytes };
}

export function layout(items: { artifact: LockedArtifact; bytes: Buffer }[]): Map<string, Buffer> {
  return new Map(items.map((i) => [`maven2/${repositoryPath(i.artifact)}`, i.bytes]));
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

export function tempDir(prefix = 'flotilla-artifacts-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
