import type { Wire } from './wire.js';

/** The web console's wire: the browser's fetch, streams read from the body as they come. */
export const fetchWire: Wire = {
  async send(method, url, headers, given) {
    // Bytes as a Blob: fetch takes an ArrayBuffer-backed view, which a copy (slice) always is.
    const body = given instanceof Uint8Array ? new Blob([given.slice()]) : given;
    const res = await fetch(url, { method, headers, ...(body ? { body } : {}) });
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', text: await res.text() };
  },

  async open(method, url, headers, body, onChunk, signal) {
    let res: Response;
    try {
      res = await fetch(url, { method, headers, ...(body ? { body } : {}), ...(signal ? { signal } : {}) });
    } catch (err) {
      if (signal?.aborted) return null;
      throw err;
    }
    if (res.status >= 400) {
      return {
        status: res.status,
        contentType: res.headers.get('content-type') ?? '',
        text: await res.text(),
      };
    }
    if (!res.body) return null;
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const text = decoder.decode(value, { stream: true });
        if (text) onChunk(text);
      }
    } catch {
      // aborted, or the daemon went away: the stream has ended either way
    }
    return null;
  },
};
