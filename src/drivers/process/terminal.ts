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

/** How long to wait for script(1) to start the shell on its PTY before the first size is set. */
const SLAVE_WAIT_MS = 3000;

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
  let wanted = init.size ?? DEFAULT_SIZE;
  const shell = fs.existsSync('/bin/bash') ? '/bin/bash' : '/bin/sh';
  // What script(1) hands its $SHELL is a constant: nothing a user sent is in it.
  const inner = [SCRIPT, '--quiet', '--flush', '--return', '--command', `exec ${shell} -i`, '/dev/null'];
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
  // Sizes are set one after another, the last one asked for winning; the first once the shell is there.
  let slave: Promise<string | null> | null = null;
  let queue = Promise.resolve();
  const apply = (): Promise<void> => {
    slave ??= child.pid === undefined ? Promise.resolve(null) : waitForSlave(child.pid);
    queue = queue.then(async () => {
      const pts = await slave;
      // The slave's path comes from /proc and is checked; the numbers are validated integers.
      if (pts && !closed)
        await run('stty', ['-F', pts, 'rows', String(wanted.rows), 'cols', String(wanted.cols)]);
    });
    return queue;
  };
  void apply();
  return {
    onData: (listener) => void listeners.push(listener),
    write: (data) => {
      if (!closed && child.stdin.writable) child.stdin.write(data);
    },
    resize: (next) => {
      wanted = next;
      return apply();
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

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve) => execFile(cmd, args, () => resolve()));
}

/** The PTY slave of script(1)'s shell, once it has started (null if it never does). */
async function waitForSlave(scriptPid: number): Promise<string | null> {
  const deadline = Date.now() + SLAVE_WAIT_MS;
  for (;;) {
    const pts = slaveOf(scriptPid);
    if (pts || Date.now() > deadline) return pts;
    await new Promise((r) => setTimeout(r, 10));
  }
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
