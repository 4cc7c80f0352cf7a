import fs from 'node:fs';

/** A terminal's size in character cells. */
export interface TerminalSize {
  cols: number;
  rows: number;
}

/**
 * An interactive shell on a pseudo-terminal inside a task (Nomad's `alloc exec`, Portainer's
 * console): bytes in, bytes out, a size, an exit. `close()` ends it and everything it started.
 */
export interface TerminalSession {
  /** What the terminal writes (the shell's output, echo included), as it comes. */
  onData(listener: (chunk: Buffer) => void): void;
  /** Keystrokes, as the user typed them. */
  write(data: Buffer): void;
  resize(size: TerminalSize): Promise<void>;
  /** Settles once the shell has ended: its exit code, null when it could not be known. */
  readonly exited: Promise<{ exitCode: number | null }>;
  /** Kills the shell and every process it started; resolves when they are signalled. */
  close(): Promise<void>;
}

/** Marks every process of one terminal session in its environment, so that none escapes `close()`. */
export const TERMINAL_MARKER = 'FLOTILLA_TERMINAL';

/** The size a session starts with until the page says its own. */
export const DEFAULT_SIZE: TerminalSize = { cols: 80, rows: 24 };

/** `root` and every process below it (by parent pid), read from /proc. */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of procEntries()) {
    const ppid = parentOf(entry);
    if (ppid !== null) children.set(ppid, [...(children.get(ppid) ?? []), entry]);
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const next = queue.shift() as number;
    found.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return found;
}

/**
 * Processes whose environment carries `name=value`: what a session started, even a daemonised
 * grandchild that left the tree (unless it cleared its environment).
 */
export function markedProcesses(name: string, value: string): number[] {
  const needle = Buffer.from(`\0${name}=${value}\0`);
  const found: number[] = [];
  for (const pid of procEntries()) {
    try {
      const environ = Buffer.concat([Buffer.from([0]), fs.readFileSync(`/proc/${pid}/environ`)]);
      if (environ.includes(needle)) found.push(pid);
    } catch {
      // Gone, or not ours to read.
    }
  }
  return found;
}

/** SIGKILL to each; the ones already gone are skipped. */
export function killAll(pids: Iterable<number>): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already, or not ours to signal.
    }
  }
}

/** A size as the page sent it, or null when it is not two whole numbers of 1 to 1000. */
export function validSize(value: unknown): TerminalSize | null {
  const v = value as { cols?: unknown; rows?: unknown } | null;
  const ok = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 1 && (n as number) <= 1000;
  return v && ok(v.cols) && ok(v.rows) ? { cols: v.cols, rows: v.rows } : null;
}

function procEntries(): number[] {
  try {
    return fs
      .readdirSync('/proc')
      .filter((e) => /^\d+$/.test(e))
      .map(Number);
  } catch {
    return [];
  }
}

function parentOf(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}
