import { spawn, execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { TaskUser } from '../../core/identity.js';
import {
  DEFAULT_SIZE,
  TERMINAL_MARKER,
  descendants,
  killAll,
  markedProcesses,
  type TerminalSession,
  type TerminalSize,
} from '../terminal.js';
import { asUser } from './identity.js';
import { EXEC_MARKER } from './leftovers.js';

/** util-linux's script(1): runs a command on a new pseudo-terminal and relays it over plain pipes. */
const SCRIPT = '/usr/bin/script';

/**
 * What script(1) hands its $SHELL: a constant. The first size comes in through the environment
 * (two validated numbers), never spliced into this text; the shell is the task's own choice of two.
 */
function shellCommand(shell: string): string {
  return (
    'stty rows "$FLOTILLA_TERMINAL_ROWS" cols "$FLOTILLA_TERMINAL_COLS" 2>/dev/null; ' +
    `unset FLOTILLA_TERMINAL_ROWS FLOTILLA_TERMINAL_COLS; exec ${shell} -i`
  );
}

export interface ProcessTerminalInit {
  env: Record<string, string>;
  cwd: string;
  user?: TaskUser;
  size?: TerminalSize;
}

/**
 * An interactive shell in a process task's sandbox, with its environment and as its tenant's user:
 * `setpriv … script -qfec … /dev/null` gives a real PTY without a native module. Resizing sets the
 * size on the PTY's slave (`stty -F`), which signals the shell's foreground job with SIGWINCH.
 */
export function openProcessTerminal(init: ProcessTerminalInit): TerminalSession {
  const id = crypto.randomUUID();
  const size = init.size ?? DEFAULT_SIZE;
  const shell = fs.existsSync('/bin/bash') ? '/bin/bash' : '/bin/sh';
  const inner = [SCRIPT, '--quiet', '--flush', '--return', '--command', shellCommand(shell), '/dev/null'];
  const argv = init.user ? asUser(init.user, inner) : inner;
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: init.cwd,
    env: {
      ...init.env,
      TERM: 'xterm-256color',
      SHELL: shell,
      // A later daemon's sweep kills a shell that outlived this one, as it does a health check's.
      [EXEC_MARKER]: '1',
      [TERMINAL_MARKER]: id,
      FLOTILLA_TERMINAL_ROWS: String(size.rows),
      FLOTILLA_TERMINAL_COLS: String(size.cols),
    },
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const listeners: ((chunk: Buffer) => void)[] = [];
  const emit = (chunk: Buffer): void => listeners.forEach((l) => l(chunk));
  child.stdout.on('data', emit);
  child.stderr.on('data', emit);
  child.stdin.on('error', () => undefined);
  const exited = new Promise<{ exitCode: number | null }>((resolve) => {
    child.on('error', (err) => {
      emit(Buffer.from(`${err.message}\r\n`));
      resolve({ exitCode: null });
    });
    child.on('exit', (code) => resolve({ exitCode: code }));
  });
  let closed = false;
  return {
    onData: (listener) => void listeners.push(listener),
    write: (data) => {
      if (!closed && child.stdin.writable) child.stdin.write(data);
    },
    resize: async (next) => {
      const pts = child.pid === undefined ? null : slaveOf(child.pid);
      if (!pts) return;
      // The slave's path comes from /proc and is checked; the numbers are validated integers.
      await new Promise<void>((resolve) =>
        execFile('stty', ['-F', pts, 'rows', String(next.rows), 'cols', String(next.cols)], () => resolve()),
      );
    },
    exited,
    close: async () => {
      if (closed) return;
      closed = true;
      const pids = new Set(child.pid === undefined ? [] : descendants(child.pid));
      for (const pid of markedProcesses(TERMINAL_MARKER, id)) pids.add(pid);
      killAll(pids);
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
    },
  };
}

/** The PTY slave (/dev/pts/N) script(1) gave its shell: the shell's stdin. */
function slaveOf(scriptPid: number): string | null {
  for (const pid of descendants(scriptPid).slice(1)) {
    try {
      const target = fs.readlinkSync(`/proc/${pid}/fd/0`);
      if (/^\/dev\/pts\/\d+$/.test(target)) return target;
    } catch {
      // Gone, or not ours to read.
    }
  }
  return null;
}
