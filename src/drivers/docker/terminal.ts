import crypto from 'node:crypto';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { FlotillaError } from '../../core/errors.js';
import {
  DEFAULT_SIZE,
  TERMINAL_MARKER,
  descendants,
  killAll,
  type TerminalSession,
  type TerminalSize,
} from '../terminal.js';
import { Engine } from './engine.js';
import { isStatus } from './resources.js';

/** bash when the image has it, else sh: a constant, not built from anything a user sent. */
const SHELL = ['/bin/sh', '-c', 'if [ -x /bin/bash ]; then exec /bin/bash -i; fi; exec /bin/sh -i'];

/**
 * An interactive shell in a task's container: an Engine API exec with a TTY (its env, workdir and
 * user apply), its stream hijacked from the HTTP connection (`Upgrade: tcp`), resized with
 * `/exec/{id}/resize`. The engine has no call to kill an exec: `close()` kills its processes from
 * the host, which a local engine (same PID namespace) allows.
 */
export async function openDockerTerminal(
  engine: Engine,
  taskKey: string,
  containerId: string,
  size: TerminalSize = DEFAULT_SIZE,
): Promise<TerminalSession> {
  const id = crypto.randomUUID();
  let created: { Id: string };
  try {
    created = await engine.json<{ Id: string }>({
      method: 'POST',
      path: `/containers/${containerId}/exec`,
      body: {
        AttachStdin: true,
        AttachStdout: true,
        AttachStderr: true,
        Tty: true,
        Env: ['TERM=xterm-256color', `${TERMINAL_MARKER}=${id}`],
        Cmd: SHELL,
      },
      timeoutMs: 10_000,
    });
  } catch (err) {
    if (isStatus(err, 404, 409)) throw new FlotillaError('TASK_NOT_RUNNING', `Task ${taskKey} has exited.`);
    throw err;
  }
  const execId = created.Id;
  const stream = await hijack(engine, execId);
  const resize = async (next: TerminalSize): Promise<void> => {
    await engine
      .json({
        method: 'POST',
        path: `/exec/${execId}/resize`,
        query: { h: next.rows, w: next.cols },
        timeoutMs: 5000,
      })
      .catch(() => undefined);
  };
  await resize(size);
  const inspect = () =>
    engine.json<{ Running: boolean; ExitCode: number | null; Pid: number }>({
      path: `/exec/${execId}/json`,
      timeoutMs: 5000,
    });
  const exited = new Promise<{ exitCode: number | null }>((resolve) => {
    const done = async (): Promise<void> => {
      // The exit code may lag a moment behind the end of the stream.
      for (let i = 0; i < 20; i++) {
        const info = await inspect().catch(() => null);
        if (!info) return resolve({ exitCode: null });
        if (!info.Running) return resolve({ exitCode: info.ExitCode });
        await new Promise((r) => setTimeout(r, 25));
      }
      resolve({ exitCode: null });
    };
    stream.once('close', () => void done());
  });
  let closed = false;
  return {
    onData: (listener) => void stream.on('data', listener),
    write: (data) => {
      if (!closed && stream.writable) stream.write(data);
    },
    resize,
    exited,
    close: async () => {
      if (closed) return;
      closed = true;
      const info = await inspect().catch(() => null);
      if (info?.Running && info.Pid > 0) killAll(descendants(info.Pid));
      stream.destroy();
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
    },
  };
}

/** Starts the exec attached: the engine answers 101 and the connection becomes the terminal's stream. */
function hijack(engine: Engine, execId: string): Promise<Duplex> {
  const body = JSON.stringify({ Detach: false, Tty: true });
  return new Promise((resolve, reject) => {
    const req = http.request({
      ...engine.address,
      method: 'POST',
      path: `/v${Engine.API_VERSION}/exec/${execId}/start`,
      headers: {
        'Content-Type': 'application/json',
        'Content-Length': String(Buffer.byteLength(body)),
        Connection: 'Upgrade',
        Upgrade: 'tcp',
      },
    });
    req.setTimeout(10_000, () =>
      req.destroy(new FlotillaError('DOCKER_UNAVAILABLE', 'exec start timed out')),
    );
    req.on('upgrade', (_res, socket, head) => {
      req.setTimeout(0);
      if (head.length > 0) socket.unshift(head);
      resolve(socket);
    });
    req.on('response', (res) => {
      res.resume();
      reject(new FlotillaError('DOCKER_UNAVAILABLE', `exec start answered HTTP ${res.statusCode}, not 101`));
    });
    req.on('error', reject);
    req.end(body);
  });
}
