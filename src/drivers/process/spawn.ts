import { EXEC_MARKER } from './leftovers.js';
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { FlotillaError } from '../../core/errors.js';
import type { TaskUser } from '../../core/identity.js';
import type { ExecResult, TaskConfig } from '../driver.js';
import { asUser, SETPRIV } from './identity.js';
import { ownSandbox } from '../ownership.js';
import { aliveFifoPath, processStartTime } from './state.js';

const EXEC_OUTPUT_CAP = 4096;
/** How long an exec command's pipes may stay open after its shell exited. */
const EXEC_LINGER_MS = 200;
/** How long a launch waits for the cgroup wrapper to exec the task's program. */
const EXEC_WAIT_MS = 2000;

export interface Launched {
  child: ChildProcess;
  pid: number;
  startTime: string;
  /** Read end of run/alive.fifo, for the exit watcher. */
  aliveFd: number;
}

/**
 * Run by /bin/sh ahead of the task's program: writes its own PID into each cgroup.procs file named
 * by its arguments, then execs the program in place, so that nothing of the task ever runs outside
 * its cgroup. A constant: paths and program reach it as arguments, never as shell text.
 */
const JOIN_NAME = 'flotilla-cgroup';
const JOIN_CGROUPS =
  'while [ "$#" -gt 0 ] && [ "$1" != -- ]; do ' +
  'echo "$$" > "$1" || { echo "flotilla: could not join the cgroup $1" >&2; exit 125; }; shift; done; ' +
  'shift; exec "$@"';

/**
 * Starts the task: output goes to files, not pipes, and the task leads a group of its own, so that
 * a crash of this daemon neither stalls nor kills it. The task holds the write end of
 * run/alive.fifo as fd 3; the read end reaches EOF once the task and every descendant are gone.
 * With `cgroupProcs`, the task joins those cgroups before its program runs.
 */
export async function launchTask(
  config: TaskConfig,
  env: Record<string, string>,
  cgroupProcs: string[] = [],
): Promise<Launched> {
  let argv = withPreload(commandLine(config), env);
  const program = argv[0] ?? '';
  const { sandbox, user } = config;
  for (const dir of ['data', 'logs', 'run']) fs.mkdirSync(path.join(sandbox, dir), { recursive: true });
  if (user) {
    ownSandbox(sandbox, user);
    argv = asUser(user, argv);
  }
  if (cgroupProcs.length > 0) {
    // The wrapper would only fail after the launch: find the program first, as spawn would.
    const missing = missingProgram(program, env.PATH, sandbox);
    if (missing) throw spawnError(Object.assign(new Error(missing), { code: missing }), program);
    argv = ['/bin/sh', '-c', JOIN_CGROUPS, JOIN_NAME, ...cgroupProcs, '--', ...argv];
  }

  const fifo = await openAliveFifo(sandbox);
  const fds: number[] = [fifo.writeFd];
  let child: ChildProcess;
  try {
    const stdout = fs.openSync(path.join(sandbox, 'logs', 'stdout'), 'a');
    fds.push(stdout);
    const stderr = fs.openSync(path.join(sandbox, 'logs', 'stderr'), 'a');
    fds.push(stderr);
    child = spawn(argv[0] ?? '', argv.slice(1), {
      cwd: sandbox,
      env,
      detached: true,
      stdio: ['ignore', stdout, stderr, fifo.writeFd],
    });
  } catch (err) {
    fs.closeSync(fifo.readFd);
    throw spawnError(err, program);
  } finally {
    // Only the task may hold the write end, or EOF would never come.
    for (const fd of fds) fs.closeSync(fd);
  }
  if (child.pid === undefined) {
    // Node reports a missing program through 'error' on the next tick, with no pid.
    fs.closeSync(fifo.readFd);
    const [err] = (await once(child, 'error').catch((e: unknown) => [e])) as unknown[];
    throw spawnError(err, program);
  }
  child.unref();
  // Read before our event loop runs again: until then the child is not reaped, so /proc/<pid>
  // exists even if it already exited.
  const startTime = processStartTime(child.pid) ?? '';
  if (cgroupProcs.length > 0) await untilExeced(child.pid);
  return { child, pid: child.pid, startTime, aliveFd: fifo.readFd };
}

/**
 * FLOTILLA_PRELOAD (a failure-lab clock fault: libfaketime) is preloaded into the task's program
 * only, by `env` run as the task's user: the root wrappers before it (cgroup join, setpriv) would
 * otherwise load it too and leave it state the task's user may not open.
 */
function withPreload(argv: string[], env: Record<string, string>): string[] {
  const preload = env.FLOTILLA_PRELOAD;
  if (!preload) return argv;
  return ['/usr/bin/env', `LD_PRELOAD=${[preload, env.LD_PRELOAD].filter(Boolean).join(':')}`, ...argv];
}

/** A launch is done once the program runs, not the wrapper (its fds and cmdline are the task's then). */
async function untilExeced(pid: number): Promise<void> {
  const deadline = Date.now() + EXEC_WAIT_MS;
  for (;;) {
    let cmdline: string;
    try {
      cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1');
    } catch {
      return;
    }
    // Empty for a zombie: it ended, the runner reports how. setpriv is one exec short of the program.
    const wrapped = cmdline.includes(`\0${JOIN_NAME}\0`) || cmdline.startsWith(`${SETPRIV}\0`);
    if (!wrapped || Date.now() >= deadline) return;
    await new Promise((r) => setTimeout(r, 2));
  }
}

function commandLine(config: TaskConfig): string[] {
  const hasCmd = typeof config.cmd === 'string' && config.cmd.trim() !== '';
  const hasArgs = Array.isArray(config.args) && config.args.length > 0 && config.args[0] !== '';
  if (hasCmd === hasArgs) {
    throw new FlotillaError('VALIDATION_FAILED', `Task ${config.taskKey}: set exactly one of cmd and args.`);
  }
  if (!path.isAbsolute(config.sandbox)) {
    throw new FlotillaError('VALIDATION_FAILED', `Task ${config.taskKey}: sandbox must be absolute.`);
  }
  return hasCmd ? ['/bin/sh', '-c', config.cmd ?? ''] : [...(config.args ?? [])];
}

/** Why execvp would not run `program` (searched like execvp does), or null when it would. */
function missingProgram(
  program: string,
  searchPath: string | undefined,
  cwd: string,
): 'ENOENT' | 'EACCES' | null {
  const candidates = program.includes('/')
    ? [path.resolve(cwd, program)]
    : (searchPath ?? '/usr/local/bin:/usr/bin:/bin').split(':').map((dir) => path.resolve(cwd, dir, program));
  let denied = false;
  for (const file of candidates) {
    try {
      if (fs.statSync(file).isFile()) {
        fs.accessSync(file, fs.constants.X_OK);
        return null;
      }
      denied = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EACCES') denied = true;
    }
  }
  return denied ? 'EACCES' : 'ENOENT';
}

function spawnError(err: unknown, program: string): FlotillaError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'EACCES') {
    const why = code === 'ENOENT' ? 'was not found' : 'is not executable';
    return new FlotillaError('BINARY_MISSING', `The program ${program} ${why} (searched the task's PATH).`);
  }
  return new FlotillaError('INTERNAL', `Could not start ${program}: ${String(err)}`);
}

/**
 * A fresh FIFO for each launch, read end opened first so that opening the write end does not block,
 * and so that the kernel reports hang-up once the last writer goes.
 */
async function openAliveFifo(sandbox: string): Promise<{ readFd: number; writeFd: number }> {
  const fifo = aliveFifoPath(sandbox);
  // Recreated rather than reused: a leftover of an earlier launch may still hold the old write
  // end, and would hold back this launch's EOF.
  fs.rmSync(fifo, { force: true });
  // Not execFileSync: a launch must not hold the daemon's loop while mkfifo starts and ends.
  await promisify(execFile)('mkfifo', ['-m', '600', fifo]);
  const readFd = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    return { readFd, writeFd: fs.openSync(fifo, fs.constants.O_WRONLY) };
  } catch (err) {
    fs.closeSync(readFd);
    throw err;
  }
}

/** `/bin/sh -c command` with the task's env, cwd and user; combined output, its last 4 KiB kept. */
export function runExec(
  command: string,
  timeoutMs: number,
  env: Record<string, string>,
  cwd: string,
  user?: TaskUser,
): Promise<ExecResult> {
  return new Promise((resolve) => {
    const argv = user ? asUser(user, ['/bin/sh', '-c', command]) : ['/bin/sh', '-c', command];
    // Its own process group, so that a timeout also kills whatever the command started.
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd,
      // Marked, so that a later daemon knows it for a command that outlived its daemon, not a task.
      env: { ...env, [EXEC_MARKER]: '1' },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = Buffer.alloc(0);
    const collect = (chunk: Buffer): void => {
      output = Buffer.concat([output, chunk]);
      if (output.length > EXEC_OUTPUT_CAP * 2) output = output.subarray(-EXEC_OUTPUT_CAP);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    let settled = false;
    let linger: NodeJS.Timeout | undefined;
    const killGroup = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const finish = (exitCode: number | null, timedOut: boolean, extra = ''): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(linger);
      child.stdout.destroy();
      child.stderr.destroy();
      // The tail, because errors tend to be printed last.
      const text = Buffer.concat([output, Buffer.from(extra)])
        .subarray(-EXEC_OUTPUT_CAP)
        .toString('utf8');
      resolve({ exitCode, output: text, timedOut });
    };
    const timer = setTimeout(() => {
      killGroup();
      finish(null, true);
    }, timeoutMs);
    child.on('error', (err) => finish(null, false, err.message));
    child.on('close', (code) => finish(code, false));
    // A background process the command left behind can keep the pipes open after the shell exits.
    child.on('exit', (code) => {
      linger = setTimeout(() => {
        killGroup();
        finish(code, false);
      }, EXEC_LINGER_MS);
    });
  });
}
