import { pullLine, type PullEvent } from '../core/streams.js';
import { spinner, truncate, type Spinner } from './output.js';

/**
 * An image pull's layer progress on stderr, as `docker pull` shows it: on a terminal one line that
 * sums each image's layers (done of all, MB so far of all); with `verbose`, or where stderr is not a
 * terminal, every layer's status once it changes (`redis:7: a1b2c3: Pull complete`), never the byte
 * counts in between. Shared by `images pull` and `up`.
 */
export class PullProgress {
  private readonly layers = new Map<string, { current: number; total: number; done: boolean }>();
  private readonly statuses = new Map<string, string>();
  private readonly seen = new Set<string>();
  /** On a terminal, from the first event on. */
  private spin: Spinner | undefined;
  private readonly everyLine: boolean;

  constructor(
    verbose = false,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.everyLine = verbose || !stream.isTTY;
  }

  event(e: PullEvent): void {
    this.seen.add(e.image);
    const key = `${e.image} ${e.layer ?? ''}`;
    if (this.everyLine) {
      // Byte counts change many times a second: a layer's line is written when its status changes.
      if (this.statuses.get(key) !== e.status)
        this.say(
          `${e.image}: ${pullLine({ image: e.image, status: e.status, ...(e.layer ? { layer: e.layer } : {}) })}`,
        );
      this.statuses.set(key, e.status);
    }
    if (e.layer) {
      const l = this.layers.get(key) ?? { current: 0, total: 0, done: false };
      if (e.status === 'Downloading') {
        l.current = e.current ?? l.current;
        l.total = e.total ?? l.total;
      }
      if (/complete|Already exists/.test(e.status)) {
        l.done = true;
        l.current = l.total;
      }
      this.layers.set(key, l);
    }
    if (!this.everyLine)
      (this.spin ??= spinner('pulling', this.stream)).update(truncate(this.summary(e.image), 78));
  }

  /** `redis:7: 3/5 layers, 12.0/40.5 MB`. */
  summary(image: string): string {
    const own = [...this.layers.entries()].filter(([k]) => k.startsWith(`${image} `)).map(([, v]) => v);
    const mb = (n: number) => (n / 1e6).toFixed(1);
    const cur = own.reduce((a, l) => a + l.current, 0);
    const tot = own.reduce((a, l) => a + l.total, 0);
    return `${image}: ${own.filter((l) => l.done).length}/${own.length} layers, ${mb(cur)}/${mb(tot)} MB`;
  }

  /** The images seen so far, in the order their first line came. */
  images(): string[] {
    return [...this.seen];
  }

  /** A line of its own, over the spinner. */
  say(text: string): void {
    this.stream.write(`${this.stream.isTTY ? '\r\x1b[K' : ''}${text}\n`);
  }

  stop(): void {
    this.spin?.stop();
  }
}
