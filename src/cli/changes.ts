import type { FlotillaClient } from '../client/client.js';

/** With the event stream open, a look now and then in case a change published no event. */
const BACKSTOP_MS = 1000;
/** Without it (it failed, or the daemon closed it), the poll it replaces. */
const POLL_MS = 100;
/** How long opening the stream may take before a wait starts anyway (polling until it opens). */
const OPEN_MS = 1000;

/**
 * Wake-ups for a CLI that waits on the daemon (`up --wait`, `down`): the event stream says when
 * something changed, so the wait looks again at once rather than on a poll's next tick. The stream
 * is subscribed before the first look, so no change falls between the two.
 */
export class Changes {
  private pending = false;
  private live = false;
  private wake: (() => void) | null = null;
  private readonly abort = new AbortController();

  static async open(client: FlotillaClient): Promise<Changes> {
    const c = new Changes();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, OPEN_MS);
      const opened = () => {
        c.live = true;
        clearTimeout(timer);
        resolve();
      };
      client
        .events(() => c.changed(), c.abort.signal, undefined, opened)
        .catch(() => undefined)
        .finally(() => {
          c.live = false;
          clearTimeout(timer);
          resolve();
        });
    });
    return c;
  }

  /** Resolves when something changed since the last call, or after a while (at most `maxMs`). */
  next(maxMs: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        this.pending = false;
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, Math.min(this.live ? BACKSTOP_MS : POLL_MS, maxMs)));
      this.wake = done;
    });
  }

  close(): void {
    this.abort.abort();
    this.wake?.();
  }

  private changed(): void {
    this.pending = true;
    this.wake?.();
  }
}
