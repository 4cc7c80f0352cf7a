import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FlotillaError } from '../../core/errors.js';

/** Where `npm run build` puts the console (web/ → dist/web), next to the compiled daemon. */
export const CONSOLE_DIR = fileURLToPath(new URL('../../../web/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

// Every asset is the daemon's own: no CDN, no inline script, and the page talks to this origin only
// (its WebSockets too: CSP 3's 'self' covers ws: on the same host). Styles may be inline: xterm.js
// writes its cell sizes and colours into <style> elements it makes; scripts stay 'self' only.
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

/**
 * The web console: the single-page app at `/`, its assets under `/assets/`. Public (the page holds no
 * data; every call it makes carries the user's token). Assets have content hashes in their names,
 * so they are cached for good; the page itself never is.
 */
export const consoleRoutes =
  (dir: string = CONSOLE_DIR): FastifyPluginAsyncTypebox =>
  async (app) => {
    const opts = { config: { access: 'public' as const }, schema: { hide: true } };
    app.get('/', opts, async (req, reply) => send(req, reply, dir, 'index.html', 'no-cache'));
    app.get('/assets/:file', opts, async (req, reply) => {
      const file = (req.params as { file: string }).file;
      // One flat folder: a name with a separator or a leading dot is nothing of ours.
      if (!/^[\w.-]+$/.test(file) || file.startsWith('.')) {
        throw new FlotillaError('ROUTE_NOT_FOUND', `no console asset "${file}"`);
      }
      return send(req, reply, path.join(dir, 'assets'), file, 'public, max-age=31536000, immutable');
    });
  };

async function send(req: FastifyRequest, reply: FastifyReply, dir: string, file: string, cache: string) {
  const full = path.join(dir, file);
  const type = TYPES[path.extname(file)];
  if (!type) throw new FlotillaError('ROUTE_NOT_FOUND', `no console asset "${file}"`);
  const gzipped = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  const body = (await read(`${full}.gz`, gzipped)) ?? (await read(full, true));
  if (!body) {
    if (file === 'index.html') {
      throw new FlotillaError('CONSOLE_NOT_BUILT', `the web console is not built (no ${full})`);
    }
    throw new FlotillaError('ROUTE_NOT_FOUND', `no console asset "${file}"`);
  }
  reply.header('content-type', type).header('cache-control', cache).header('content-security-policy', CSP);
  reply.header('x-content-type-options', 'nosniff');
  if (body.gz) reply.header('content-encoding', 'gzip').header('vary', 'accept-encoding');
  return reply.send(body.data);
}

async function read(file: string, wanted: boolean): Promise<{ data: Buffer; gz: boolean } | null> {
  if (!wanted) return null;
  try {
    return { data: await fs.promises.readFile(file), gz: file.endsWith('.gz') };
  } catch {
    return null;
  }
}
