/**
 * Runs a Spark service's rendered tasks as real processes, as the process driver would: each task in
 * its own process group and sandbox, its output kept for failure messages. Unlike the shared JVM
 * harness, placement is explicit (the master on the first host, worker i on host i + 1), so that
 * every daemon has a virtual node of its own.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Endpoint } from '../../../core/service.js';
import type { LaunchSpec } from '../../../core/task.js';
import type { PackageDefinition, PlacedTask } from '../../package.js';
import { validateOptions } from '../../registry.js';
import { freePort } from '../../zookeeper/testing/harness.js';
import type { RenderContext } from '../../package.js';

export interface Deployed {
  tasks: PlacedTask[];
  specs: Record<string, LaunchSpec>;
  endpoints: Endpoint[];
  values: Record<string, string>;
}

export class SparkCluster {
  readonly root = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-spark-'));
  private readonly children = new Map<string, ChildProcess>();
  readonly logs = new Map<string, string>();

  async deploy(
    pkg: PackageDefinition,
    given: Record<string, unknown>,
    hosts: string[],
    env: { java: string; artifactsDir: string },
  ): Promise<Deployed> {
    const options = validateOptions(pkg, given);
    const tasks: PlacedTask[] = [];
    for (const slot of pkg.layout(options)) {
      const host = hosts[slot.role === 'master' ? 0 : (1 + slot.index) % hosts.length] as string;
      const ports = await Promise.all(slot.ports.map((p) => (p === 0 ? freePort(host) : p)));
      tasks.push({ ...slot, host, ports, sandbox: path.join(this.root, 'sandboxes', slot.name) });
    }
    const ctx: RenderContext = {
      service: 'spark',
      tenant: 'default',
      options,
      tasks,
      binaries: {},
      state: {},
      classpath: [],
      ...env,
    };
    const specs = pkg.render(ctx);
    for (const task of tasks) this.launch(task, specs[task.name] as LaunchSpec);
    const endpoints = pkg.endpoints(ctx);
    return { tasks, specs, endpoints, values: Object.assign({}, ...endpoints.map((e) => e.values)) };
  }

  launch(task: PlacedTask, spec: LaunchSpec): void {
    fs.mkdirSync(path.join(task.sandbox, 'data'), { recursive: true });
    for (const f of spec.files) {
      const file = path.join(task.sandbox, f.path);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, f.content, { mode: f.mode ?? 0o644 });
    }
    const [cmd, ...args] = spec.args as string[];
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
    child.on('error', (err) => append(Buffer.from(`spawn: ${err.message}\n`)));
    this.children.set(task.name, child);
  }

  /** Signals a task's whole process group (the daemon and, for a worker, its executors). */
  async kill(name: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.children.get(name);
    if (child) await stop(child, signal);
  }

  tail(name: string, lines = 30): string {
    return (this.logs.get(name) ?? '').trimEnd().split('\n').slice(-lines).join('\n');
  }

  async close(): Promise<void> {
    await Promise.all([...this.children.values()].map((child) => stop(child, 'SIGKILL')));
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

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
  const stuck = setTimeout(() => send('SIGKILL'), 20_000);
  await exited.finally(() => clearTimeout(stuck));
  // The group may outlive its leader (an executor between its leader's death and its own).
  send('SIGKILL');
}
