import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * What the Docker driver names, labels and keeps in the sandbox so that a later daemon finds its
 * containers, networks and volumes again, and resumes their logs where the last one stopped.
 */

export const LABEL = {
  daemon: 'io.flotilla.daemon',
  task: 'io.flotilla.task',
  launchId: 'io.flotilla.launch-id',
  sandbox: 'io.flotilla.sandbox',
  /** On named volumes: the stack's volume prefix, so that purging a task can try its stack's volumes. */
  volumePrefix: 'io.flotilla.volume-prefix',
} as const;

const NAME_CHARS = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function isValidDaemonId(id: string): boolean {
  return NAME_CHARS.test(id) && id.length <= 64;
}

/**
 * `flt-<daemonId>-<taskKey>`, unique per engine. Task keys are `tenant/owner.name` in lowercase
 * letters, digits, '.', '-': the '/' becomes '_', which such keys never hold, so the name stays
 * one-to-one; any other key is cleaned and gets a hash of the original so that two never meet.
 */
export function containerName(daemonId: string, taskKey: string): string {
  if (/^[a-z0-9][a-z0-9.-]*(\/[a-z0-9][a-z0-9.-]*)?$/.test(taskKey)) {
    return `flt-${daemonId}-${taskKey.replace('/', '_')}`;
  }
  const hash = createHash('sha256').update(taskKey).digest('hex').slice(0, 10);
  return `flt-${daemonId}-${taskKey.replace(/[^a-zA-Z0-9_.-]/g, '_').slice(0, 100)}-${hash}`;
}

/** The fields of GET /containers/{id}/json the driver reads. */
export interface ContainerInfo {
  Id: string;
  Name: string;
  State: {
    Status: string;
    Running: boolean;
    Pid: number;
    ExitCode: number;
    OOMKilled: boolean;
    StartedAt: string;
    FinishedAt: string;
  };
  Config: { Labels: Record<string, string> | null; StopSignal?: string };
  HostConfig: { Memory: number };
  NetworkSettings: { Networks: Record<string, unknown> | null };
}

/** Networks Docker itself owns; never removed. */
export const BUILTIN_NETWORKS: ReadonlySet<string> = new Set(['bridge', 'host', 'none', 'default']);

/** An engine time (RFC 3339, up to nanoseconds) as nanoseconds since the epoch; null when unreadable. */
export function parseTimestamp(text: string): bigint | null {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(text);
  if (!m) return null;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return null;
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

/** The `since` query value of the logs endpoint: seconds with a nine-digit fraction. */
export function sinceParam(ns: bigint): string {
  const fraction = (ns % 1_000_000_000n).toString().padStart(9, '0');
  return `${ns / 1_000_000_000n}.${fraction}`;
}

/**
 * Which log lines of a container are in the sandbox's log files already: the timestamp of the last
 * one and how many lines carry exactly that timestamp (the parts of a long line share one).
 */
export interface CursorState {
  containerId: string;
  last: string;
  count: number;
}

/** Fixed size, rewritten in place with one write: a crash leaves the old record or the new one. */
const CURSOR_SIZE = 256;

export function cursorPath(sandbox: string): string {
  return path.join(sandbox, 'run', 'docker-logs.cursor');
}

export function readCursor(sandbox: string, containerId: string): CursorState | null {
  try {
    const state = JSON.parse(fs.readFileSync(cursorPath(sandbox), 'utf8').trim()) as CursorState;
    if (state.containerId !== containerId || typeof state.last !== 'string') return null;
    if (!Number.isInteger(state.count) || parseTimestamp(state.last) === null) return null;
    return state;
  } catch {
    return null;
  }
}

/**
 * Decides line by line what to append: when resuming from a saved cursor, the engine replays the
 * lines at the saved timestamp (its `since` is inclusive) and those are skipped, exactly as many as
 * were written. Once past them, every line is new.
 */
export class LogCursor {
  private last: bigint | null = null;
  private lastText = '';
  private count = 0;
  private skip = 0;
  private replaying = false;
  private fd: number | null = null;
  private dirty = false;

  constructor(
    private readonly sandbox: string,
    private readonly containerId: string,
    resume: boolean,
  ) {
    const saved = resume ? readCursor(sandbox, containerId) : null;
    if (saved) {
      this.last = parseTimestamp(saved.last);
      this.lastText = saved.last;
      this.count = saved.count;
    }
  }

  /**
   * The `since` of the next logs request; undefined: from the container's first line. The engine
   * replays from there, so the lines the cursor has counted at that time are skipped again.
   */
  since(): string | undefined {
    this.skip = this.count;
    this.replaying = this.last !== null;
    return this.last === null ? undefined : sinceParam(this.last);
  }

  /** Whether the line stamped `timestamp` is new; counts it when it is. */
  admit(timestamp: string): boolean {
    const ns = parseTimestamp(timestamp);
    if (ns === null) return true;
    if (this.replaying && this.last !== null) {
      if (ns < this.last) return false;
      if (ns === this.last && this.skip > 0) {
        this.skip--;
        return false;
      }
    }
    this.replaying = false;
    if (this.last !== null && ns === this.last) this.count++;
    else {
      this.last = ns;
      this.lastText = timestamp;
      this.count = 1;
    }
    this.dirty = true;
    return true;
  }

  /** Persists the position after the lines admitted so far were written to the log files. */
  save(): void {
    if (!this.dirty) return;
    const state: CursorState = { containerId: this.containerId, last: this.lastText, count: this.count };
    const record = Buffer.from(`${JSON.stringify(state).padEnd(CURSOR_SIZE - 1)}\n`);
    try {
      this.fd ??= fs.openSync(cursorPath(this.sandbox), fs.constants.O_WRONLY | fs.constants.O_CREAT, 0o644);
      fs.writeSync(this.fd, record, 0, record.length, 0);
      this.dirty = false;
    } catch {
      // The sandbox went away under us: the logs have nowhere to go either.
    }
  }

  close(): void {
    this.save();
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }
}
