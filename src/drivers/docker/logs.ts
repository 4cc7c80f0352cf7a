import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import type { Engine } from './engine.js';
import { demux, EngineError } from './engine.js';
import { LogCursor } from './state.js';

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 2000;
const MAX_FAILURES_AFTER_EXIT = 5;
/** A follow that ended while the container runs on (an engine hiccup) is opened again after this. */
const REFOLLOW_MS = 500;

/**
 * Copies a container's output from the engine's log store into <sandbox>/logs/stdout and stderr,
 * appending, one line after another. The engine keeps every line, stamped, whether or not anyone
 * follows: a later daemon resumes after the last line the cursor in run/ says was written.
 *
 * The engine may end a follow before it sent the container's last line (Docker 20.10 drops an
 * unterminated last line that way), so the follow is not trusted to be complete: once the exit is
 * known, one plain read from the cursor fetches whatever the follow missed.
 */
export class LogFollower {
  /** Settles once every line of the exited container is in the files (or the follower was closed). */
  readonly done: Promise<void>;
  private readonly cursor: LogCursor;
  private current: http.IncomingMessage | null = null;
  private closed = false;
  private exited = false;
  private readonly exitKnown: Promise<void>;
  private onExit: () => void = () => {};

  constructor(
    private readonly engine: Engine,
    private readonly containerId: string,
    private readonly sandbox: string,
    resume: boolean,
  ) {
    this.cursor = new LogCursor(sandbox, containerId, resume);
    this.exitKnown = new Promise((resolve) => (this.onExit = resolve));
    // A sandbox removed under a running task leaves nowhere to write: the exit is still reported.
    this.done = this.run().catch(() => {});
  }

  /** The container has exited: stop following, read the rest from the cursor, then finish. */
  exit(): void {
    if (this.exited) return;
    this.exited = true;
    this.onExit();
    this.current?.destroy();
  }

  /** Stops copying (the daemon shuts down); a later daemon resumes from the cursor. */
  close(): void {
    this.closed = true;
    this.onExit();
    this.current?.destroy();
  }

  private async run(): Promise<void> {
    const files = openLogFiles(this.sandbox);
    try {
      let failures = 0;
      while (!this.closed) {
        const follow = !this.exited;
        const outcome = await this.readOnce(files, follow).catch((err: unknown) =>
          // The container is gone, and its logs with it.
          err instanceof EngineError && err.status === 404 ? 'gone' : 'broken',
        );
        if (this.closed || outcome === 'gone') break;
        if (outcome === 'ended') {
          // Read to the end after the exit: every line is in.
          if (!follow) break;
          failures = 0;
          await Promise.race([this.exitKnown, delay(REFOLLOW_MS)]);
          continue;
        }
        // A follow cut short by exit() goes on at once with the read to the end.
        if (follow && this.exited) continue;
        // An engine that cannot give the logs of an exited container any more will not later on.
        if (this.exited && failures >= MAX_FAILURES_AFTER_EXIT) break;
        await delay(Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** failures++));
      }
    } finally {
      this.cursor.close();
      for (const fd of Object.values(files)) fs.close(fd, () => {});
    }
  }

  /** One logs request from the cursor on: 'ended' when the engine ended it, 'broken' when cut short. */
  private async readOnce(
    files: Record<'stdout' | 'stderr', number>,
    follow: boolean,
  ): Promise<'ended' | 'broken'> {
    const res = await this.engine.raw({
      path: `/containers/${this.containerId}/logs`,
      query: { follow: follow ? 1 : 0, stdout: 1, stderr: 1, timestamps: 1, since: this.cursor.since() },
      longLived: true,
    });
    if (this.closed || (follow && this.exited)) {
      res.destroy();
      return 'broken';
    }
    this.current = res;
    const batch: Record<'stdout' | 'stderr', Buffer[]> = { stdout: [], stderr: [] };
    return new Promise<'ended' | 'broken'>((resolve) => {
      demux(res, (kind, frame) => {
        // Each frame is one line (or one part of a long line), stamped: "<RFC 3339 time> <text>".
        const space = frame.indexOf(0x20);
        const stamp = space > 0 ? frame.subarray(0, space).toString('latin1') : '';
        if (space > 0 && !this.cursor.admit(stamp)) return;
        batch[kind].push(space > 0 ? frame.subarray(space + 1) : frame);
      });
      // Registered after demux's own listener: runs once the frames of this chunk are in `batch`.
      res.on('data', () => {
        for (const kind of ['stdout', 'stderr'] as const) {
          if (batch[kind].length === 0) continue;
          writeAll(files[kind], Buffer.concat(batch[kind]));
          batch[kind] = [];
        }
        this.cursor.save();
      });
      res.on('end', () => resolve('ended'));
      res.on('close', () => resolve('broken'));
      res.on('error', () => resolve('broken'));
    }).finally(() => {
      if (this.current === res) this.current = null;
    }) as Promise<'ended' | 'broken'>;
  }
}

function openLogFiles(sandbox: string): Record<'stdout' | 'stderr', number> {
  const dir = path.join(sandbox, 'logs');
  fs.mkdirSync(dir, { recursive: true });
  return {
    stdout: fs.openSync(path.join(dir, 'stdout'), 'a'),
    stderr: fs.openSync(path.join(dir, 'stderr'), 'a'),
  };
}

function writeAll(fd: number, data: Buffer): void {
  let offset = 0;
  while (offset < data.length) offset += fs.writeSync(fd, data, offset);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
