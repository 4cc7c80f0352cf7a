/**
 * Runs a package's rendered tasks as real processes, the way the deploy path renders and the process
 * driver launches them: each task in its own process group, in a temporary sandbox.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Endpoint } from '../../../core/service.js';
import type { LaunchSpec } from '../../../core/task.js';
import type { PackageDefinition, PlacedTask, RenderContext, TaskSlot } from '../../package.js';
import { validateOptions } from '../../registry.js';

export async function freePort(host: string): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Whether something accepts TCP connections on host:port (within a second). */
export function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.setTimeout(1000, () => done(false));
  });
}

/** Polls until the probe returns a value; undefined or an Error (returned or thrown) means not yet. */
export async function eventually<T>(
  what: string,
  seconds: number,
  probe: () => Promise<T | Error | undefined>,
): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const last: unknown = await probe().catch((err: unknown) => err);
    if (last !== undefined && !(last instanceof Error)) return last as T;
    if (Date.now() > deadline)
      throw new Error(`${what} did not happen within ${seconds}s (last: ${String(last)})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface Deployed {
  options: Record<string, unknown>;
  tasks: PlacedTask[];
  specs: Record<string, LaunchSpec>;
  endpoints: Endpoint[];
  /** The endpoints' values merged, as `${svc.field}` references see them. */
  values: Record<string, string>;
  state: Record<string, string>;
  /** What render was given, to render again. */
  ctx: RenderContext;
}

/** Real processes in temporary sandboxes; `close()` kills every process group and removes the files. */
export class Harness {
  readonly root = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-jvm-'));
  private readonly children = new Map<string, ChildProcess>();
  /** Every task's output by task name: what would land in its log file. */
  readonly logs = new Map<string, string>();

  /**
   * Validates, places (by default the n-th task of each role on hosts[n], as the hostname UNIQUE
   * constraint asks; `hostOf` chooses otherwise), picks free ports, renders, writes the files, and
   * launches.
   */
  async deploy(
    pkg: PackageDefinition,
    service: string,
    given: Record<string, unknown>,
    jvm: { java: string; classpath: string[]; artifactsDir?: string },
    hosts: string[],
    state: Record<string, string> = {},
    hostOf: (slot: TaskSlot, nthOfRole: number) => string = (_slot, n) => hosts[n % hosts.length]!,
  ): Promise<Deployed> {
    const options = validateOptions(pkg, given);
    const tasks: PlacedTask[] = [];
    const perRole = new Map<string, number>();
    for (const slot of pkg.layout(options)) {
      const n = perRole.get(slot.role) ?? 0;
      perRole.set(slot.role, n + 1);
      const host = hostOf(slot, n);
      const ports = await Promise.all(slot.ports.map((p) => (p === 0 ? freePort(host) : p)));
      tasks.push({
        ...slot,
        host,
        bindHost: host,
        publicHost: host,
        ports,
        sandbox: path.join(this.root, service, slot.name),
      });
    }
    const ctx: RenderContext = {
      service,
      tenant: 'default',
      options,
      tasks,
      binaries: {},
      state,
      artifactsDir: this.root,
      ...jvm,
    };
    const specs = pkg.render(ctx);
    for (const task of tasks) this.launch(task, specs[task.name] as LaunchSpec);
    const endpoints = pkg.endpoints(ctx);
    const values = Object.assign({}, ...endpoints.map((e) => e.values)) as Record<string, string>;
    return { options, tasks, specs, endpoints, values, state, ctx };
  }

  /** Writes a task's files and starts it in its own process group, as the process driver does. */
  launch(task: PlacedTask, spec: LaunchSpec): void {
    fs.mkdirSync(path.join(task.sandbox, 'data'), { recursive: true });
    for (const f of spec.files) {
      const file = path.join(task.sandbox, f.path);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, f.content, { mode: f.mode ?? 0o644 });
    }
    const [cmd, ...args] = spec.cmd !== undefined ? ['/bin/sh', '-c', spec.cmd] : (spec.args as string[]);
    const child = spawn(cmd as string, args, {
      cwd: task.sandbox,
      env: spec.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.logs.set(task.name, '');
    const append = (d: Buffer) => this.logs.set(task.name, this.logs.get(task.name) + d.toString());
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    child.on('error', (err) =>
      this.logs.set(task.name, `${this.logs.get(task.name)}spawn: ${err.message}\n`),
    );
    this.children.set(task.name, child);
  }

  /** Signals a task's whole process group (its JVM and, say, a Spark worker's executors). */
  async kill(name: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.children.get(name);
    if (child) await stop(child, signal);
  }

  /** Stops a task's process group and launches it again from `spec`, as a supervisor restart would. */
  async restart(task: PlacedTask, spec: LaunchSpec, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.children.get(task.name);
    if (child) await stop(child, signal);
    this.launch(task, spec);
  }

  /** The last lines a task printed, to explain a failed wait. */
  tail(name: string, lines = 30): string {
    return (this.logs.get(name) ?? '').trimEnd().split('\n').slice(-lines).join('\n');
  }

  async close(): Promise<void> {
    await Promise.all([...this.children.values()].map((child) => stop(child, 'SIGKILL')));
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/**
 * Signals the whole group (the shell and its JVM) and waits for the exit, with SIGKILL after 30 s.
 * Clean-up uses SIGKILL straight away: the data is thrown away, so there is nothing to stop cleanly.
 */
async function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  const pid = child.pid;
  if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const send = (s: NodeJS.Signals) => {
    try {
      process.kill(-pid, s);
    } catch {
      // already gone
    }
  };
  send(signal);
  const stuck = setTimeout(() => send('SIGKILL'), 30_000);
  await exited.finally(() => clearTimeout(stuck));
  // The group may outlive its leader (an executor between its leader's death and its own).
  send('SIGKILL');
}
