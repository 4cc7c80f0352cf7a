import fs from 'node:fs';
import { FlotillaError } from '../../core/errors.js';
import type { ExecResult } from '../driver.js';
import type { Engine } from './engine.js';
import { demux } from './engine.js';
import { isStatus } from './resources.js';

const OUTPUT_CAP = 4096;
/** Once the stream has ended, the exit code may lag a moment behind in the exec's inspect. */
const EXIT_CODE_POLLS = 20;

interface ExecInfo {
  Running: boolean;
  ExitCode: number | null;
  Pid: number;
}

/**
 * `/bin/sh -c command` inside the container (its env, workdir and user apply); stdout and stderr
 * interleaved as written, the last 4 KiB kept. On timeout the exec's processes are killed from
 * the host: the engine has no call to kill an exec.
 */
export async function runExec(
  engine: Engine,
  taskKey: string,
  containerId: string,
  command: string,
  timeoutMs: number,
): Promise<ExecResult> {
  const deadline = Date.now() + timeoutMs;
  let created: { Id: string };
  try {
    created = await engine.json<{ Id: string }>({
      method: 'POST',
      path: `/containers/${containerId}/exec`,
      body: { AttachStdout: true, AttachStderr: true, Cmd: execCommand(command) },
      timeoutMs: Math.max(1000, timeoutMs),
    });
  } catch (err) {
    if (isStatus(err, 404, 409)) {
      throw new FlotillaError('TASK_NOT_RUNNING', `Task ${taskKey} has exited.`);
    }
    throw err;
  }
  const res = await engine.raw({
    method: 'POST',
    path: `/exec/${created.Id}/start`,
    body: { Detach: false, Tty: false },
    longLived: true,
  });
  let output = Buffer.alloc(0);
  demux(res, (_kind, data) => {
    output = Buffer.concat([output, data]);
    if (output.length > OUTPUT_CAP * 2) output = output.subarray(-OUTPUT_CAP);
  });
  const text = (): string => output.subarray(-OUTPUT_CAP).toString('utf8').slice(-OUTPUT_CAP);

  let timer: NodeJS.Timeout | undefined;
  const ended = await new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
    res.on('end', () => resolve(true));
    res.on('close', () => resolve(true));
    res.on('error', () => resolve(true));
  });
  clearTimeout(timer);
  if (!ended) {
    const info = await inspectExec(engine, created.Id).catch(() => null);
    if (info?.Pid) killTree(info.Pid);
    res.destroy();
    return { exitCode: null, output: text(), timedOut: true };
  }
  let info = await inspectExec(engine, created.Id);
  for (let i = 0; info.Running && i < EXIT_CODE_POLLS; i++) {
    await new Promise((r) => setTimeout(r, 10));
    info = await inspectExec(engine, created.Id);
  }
  return { exitCode: info.Running ? null : info.ExitCode, output: text(), timedOut: false };
}

/**
 * `/bin/sh -c command`, its stderr joined to its stdout before it runs: the engine copies the two
 * streams of an exec apart and may deliver stderr first, which would reorder the combined output.
 * The outer shell execs the inner one, so the command string reaches `sh -c` untouched.
 */
export function execCommand(command: string): string[] {
  return ['/bin/sh', '-c', 'exec 2>&1; exec /bin/sh -c "$1"', 'sh', command];
}

function inspectExec(engine: Engine, id: string): Promise<ExecInfo> {
  return engine.json<ExecInfo>({ path: `/exec/${id}/json`, timeoutMs: 10_000 });
}

/**
 * SIGKILL to the exec's process and everything it started. Works where the daemon shares the
 * engine's PID namespace (a local engine); elsewhere the command runs on until it ends by itself.
 */
function killTree(pid: number): void {
  const children = new Map<number, number[]>();
  try {
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const ppid = parentOf(Number(entry));
      if (ppid !== null) children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    }
  } catch {
    // No /proc: only the exec's own process.
  }
  const victims: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const next = queue.shift() as number;
    victims.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  for (const victim of victims) {
    try {
      process.kill(victim, 'SIGKILL');
    } catch {
      // Gone already, or not ours to signal.
    }
  }
}

function parentOf(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[1]);
  } catch {
    return null;
  }
}
