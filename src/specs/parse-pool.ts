import { Worker } from 'node:worker_threads';
import { FlotillaError, type ErrorBody } from '../core/errors.js';
import { readYaml } from '../core/yaml-text.js';

/** Texts this small are read on the caller's thread: a few milliseconds, less than a worker's round trip. */
const INLINE_CHARS = 4 * 1024;
/** Nothing within the limits takes a second; a worker still busy after this is stopped. */
const TIMEOUT_MS = 10_000;

interface Pending {
  resolve(data: unknown): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * Reads stack and Compose texts as YAML on a worker thread, so that the daemon's event loop never
 * waits on a large one: every other tenant's request goes on being answered meanwhile. One worker,
 * texts in turn (the reader is bounded, so a turn is short); started on first use, never keeping
 * the process alive.
 */
export class ParsePool {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private next = 0;

  read(text: string): Promise<unknown> {
    if (text.length <= INLINE_CHARS) {
      try {
        return Promise.resolve(readYaml(text, { what: 'the file', code: 'STACK_INVALID' }));
      } catch (err) {
        return Promise.reject(err as Error);
      }
    }
    const worker = this.start();
    const id = ++this.next;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(
          new FlotillaError('INPUT_TOO_COMPLEX', `the file took more than ${TIMEOUT_MS / 1000} s to read`),
        );
      }, TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
      worker.postMessage({ id, text });
    });
  }

  close(): void {
    const w = this.worker;
    this.worker = null;
    void w?.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('./parse-worker.js', import.meta.url));
    worker.unref();
    worker.on('message', (m: { id: number; data?: unknown; error?: ErrorBody }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.error) p.reject(FlotillaError.fromBody(m.error));
      else p.resolve(m.data);
    });
    worker.on('error', (err) =>
      this.fail(new FlotillaError('INTERNAL', `the YAML reader failed: ${err.message}`)),
    );
    this.worker = worker;
    return worker;
  }

  /** Everything in flight fails, and the next text gets a fresh worker. */
  private fail(err: FlotillaError): void {
    this.close();
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
  }
}
