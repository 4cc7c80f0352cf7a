import http from 'node:http';
import type { Wire, WireResponse } from './wire.js';

/** The CLI's wire: node's http module (no keep-alive agent, so a finished command exits at once). */
export const nodeWire: Wire = {
  async send(method, url, headers, given) {
    const body = given instanceof Blob ? new Uint8Array(await given.arrayBuffer()) : given;
    return new Promise<WireResponse>((resolve, reject) => {
      const req = http.request(url, { method, headers: withLength(headers, body) }, (res) => {
        collect(res).then(
          (text) =>
            resolve({
              status: res.statusCode ?? 500,
              contentType: String(res.headers['content-type'] ?? ''),
              text,
            }),
          reject,
        );
      });
      req.on('error', reject);
      if (body) req.write(body);
      req.end();
    });
  },

  open(method, url, headers, body, onChunk, signal) {
    return new Promise((resolve, reject) => {
      const req = http.request(url, { method, headers: withLength(headers, body), signal }, (res) => {
        const status = res.statusCode ?? 500;
        if (status >= 400) {
          const contentType = String(res.headers['content-type'] ?? '');
          collect(res).then((text) => resolve({ status, contentType, text }), reject);
          return;
        }
        res.setEncoding('utf8');
        res.on('data', onChunk);
        res.on('end', () => resolve(null));
        res.on('error', () => resolve(null));
      });
      req.on('error', (err) => (signal?.aborted ? resolve(null) : reject(err)));
      req.end(body);
    });
  },
};

function withLength(
  headers: Record<string, string>,
  body: string | Uint8Array | undefined,
): http.OutgoingHttpHeaders {
  if (body === undefined) return headers;
  return {
    ...headers,
    'content-length': typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength,
  };
}

function collect(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}
