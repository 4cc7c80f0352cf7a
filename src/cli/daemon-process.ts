import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FlotillaClient } from '../client/client.js';
import { FlotillaError } from '../core/errors.js';
import { daemonInfo, daemonLogPath } from './home.js';
import { sleep, spinner } from './output.js';

/** Exit code of a daemon that found another one already running for its home. */
export const EXIT_ALREADY_RUNNING = 3;

export const START_TIMEOUT_MS = 20_000;

/** A path, not an import: the daemon runs in its own process so that it outlives the CLI. */
export function daemonEntry(): string {
  return fileURLToPath(new URL('../daemon/main.js', import.meta.url));
}

/**
 * Node's flags for the daemon, for its resident memory (docs/benchmarks.md, adoption):
 * - V8's young generation at 1 MB a half instead of 16: an idle daemon 136 → 96 MB at 4 MB; at 1 MB
 *   (with the growth below) 1,000 tasks cost 5–9 MB less again. The daemon's requests send JSON it
 *   keeps (`GET /v1/tasks` sends a body it made before), so the extra minor collections cost little.
 * - The old generation grown by 10% past what survives a full collection, not V8's default of
 *   up to several times it: after launching 1,000 tasks the daemon stayed at 250 MB resident, for
 *   about 45 MB of heap in use. `--optimize-for-size` went lower still but made the API at 10,000
 *   tasks slower.
 */
const DAEMON_NODE_FLAGS = ['--max-semi-space-size=1', '--heap-growing-percent=10'];

/**
 * glibc gives each thread that allocates (libuv's pool spawning and reading for 1,000 tasks, V8's
 * helpers) an arena of its own, which keeps what was freed in it: two arenas for the daemon took
 * about 5 MB off its resident memory with 1,000 tasks (134.5 → 128.2 MB, docs/benchmarks.md). Its
 * tasks do not inherit it: each task's environment is built from its own spec.
 */
const DAEMON_ENV = { MALLOC_ARENA_MAX: '2' };

/** How the daemon of `home` is started, in the background or the foreground: node's arguments and the environment. */
export function daemonCommand(
  home: string,
  env: NodeJS.ProcessEnv,
): { args: string[]; env: NodeJS.ProcessEnv } {
  return { args: [...DAEMON_NODE_FLAGS, daemonEntry()], env: { ...DAEMON_ENV, ...env, FLOTILLA_HOME: home } };
}

export interface Started {
  child: ChildProcess;
  logOffset: number;
}

/**
 * Starts a daemon for `home` in the background, as pm2 and Gradle do: detached from our process
 * group (a Ctrl-C in this terminal must not reach it), output appended to its log file.
 */
export function spawnBackground(home: string, env: NodeJS.ProcessEnv = process.env): Started {
  const log = daemonLogPath(home);
  fs.mkdirSync(path.dirname(log), { recursive: true });
  const fd = fs.openSync(log, 'a');
  try {
    // Where this run's lines begin, so that a failure shows them and not an older run's.
    const logOffset = fs.fstatSync(fd).size;
    const command = daemonCommand(home, env);
    const child = spawn(process.execPath, command.args, {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: command.env,
    });
    child.unref();
    return { child, logOffset };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Waits until the daemon of `home` has published daemon.json and answers. A child that exits with
 * EXIT_ALREADY_RUNNING lost a start race: the winner's daemon.json is the one to wait for.
 */
export async function waitForDaemon(
  home: string,
  { child, logOffset }: Started,
  timeoutMs = START_TIMEOUT_MS,
): Promise<FlotillaClient> {
  let exitCode: number | null = null;
  child.on('exit', (code, signal) => (exitCode = code ?? (signal ? 128 : 1)));
  const spin = spinner('waiting for the Flotilla daemon to start');
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      const info = daemonInfo(home);
      if (info) {
        const client = new FlotillaClient(info.address);
        try {
          await client.health();
          return client;
        } catch {
          // listening soon: daemon.json is written once the socket is bound, but be patient
        }
      }
      if (exitCode !== null && exitCode !== EXIT_ALREADY_RUNNING) {
        throw notStarted(home, logOffset, `the daemon exited with code ${exitCode}`);
      }
      await sleep(100);
    }
    throw notStarted(home, logOffset, `no daemon answered within ${Math.round(timeoutMs / 1000)} s`);
  } finally {
    spin.stop();
  }
}

function notStarted(home: string, logOffset: number, why: string): FlotillaError {
  const log = daemonLogPath(home);
  const tail = logTail(log, 15, logOffset);
  return new FlotillaError(
    'DAEMON_UNREACHABLE',
    `could not start a Flotilla daemon for ${home}: ${why}; see ${log}` +
      (tail ? `\n--- last lines of ${log} ---\n${tail}` : ''),
  );
}

/** The last `lines` lines of `file` written after byte `from` (only the end is read: logs grow). */
export function logTail(file: string, lines: number, from = 0): string {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return '';
  }
  try {
    const size = fs.fstatSync(fd).size;
    const start = Math.max(from, size - 16_384);
    const buf = Buffer.alloc(Math.max(0, size - start));
    fs.readSync(fd, buf, 0, buf.length, start);
    return buf.toString('utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } finally {
    fs.closeSync(fd);
  }
}
