import type { FlotillaEvent } from '../../src/core/streams.js';
import type { WebClient } from '../../src/client/browser.js';

export type Listener = (e: FlotillaEvent) => void;

/**
 * The one live connection of the page: the daemon's event stream, read through the typed client.
 * When the daemon goes away it reports `down`, waits for /v1/health to answer again, and resumes
 * after the last event it saw (the daemon replays from `since`), so no event is lost in the gap.
 */
export class Live {
  private listeners = new Set<Listener>();
  private stateListeners = new Set<(up: boolean) => void>();
  private abort = new AbortController();
  private lastId: number | undefined;
  up = false;

  constructor(private readonly client: WebClient) {
    void this.run();
  }

  on(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onState(listener: (up: boolean) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  close(): void {
    this.abort.abort();
  }

  private setUp(up: boolean): void {
    if (this.up === up) return;
    this.up = up;
    for (const l of this.stateListeners) l(up);
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    let pause = 250;
    while (!signal.aborted) {
      try {
        await this.client.events(
          (e) => {
            this.lastId = e.id;
            for (const l of this.listeners) l(e);
          },
          signal,
          this.lastId,
          () => {
            pause = 250;
            this.setUp(true);
          },
        );
      } catch {
        // the daemon is away: reported below, retried
      }
      if (signal.aborted) return;
      this.setUp(false);
      await sleep(pause);
      pause = Math.min(pause * 2, 4000);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
