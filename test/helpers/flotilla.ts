import { forgetHome } from '../../src/isolation/forget.js';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FlotillaClient } from '../../src/client/client.js';
import { daemonIdOf } from '../../src/daemon/config.js';
import { removeDockerLeftovers } from './docker.js';

/** The real CLI, as users run it. */
export const CLI = fileURLToPath(new URL('../../../bin/flotilla', import.meta.url));
export const REPO = fileURLToPath(new URL('../../../', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * A Flotilla home of its own for one test file: its own daemon (autostarted by the CLI on a free
 * port) and its own slice of the task port range, so test files can run side by side.
 */
export class TestHome {
  /** Every home not cleaned up yet: what a run that gives up (a bench past its limit) must still clean. */
  static readonly open = new Set<TestHome>();
  readonly home: string;
  readonly env: NodeJS.ProcessEnv;

  /** `driver`: the daemon's default driver for services (FLOTILLA_DRIVER). */
  constructor(options: { driver?: 'process' | 'docker' } = {}) {
    this.home = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-test-'));
    TestHome.open.add(this);
    const lo = 20000 + Math.floor(Math.random() * 24) * 500;
    this.env = {
      ...process.env,
      FLOTILLA_HOME: this.home,
      FLOTILLA_LISTEN: '127.0.0.1:0',
      FLOTILLA_PORT_RANGE: `${lo}-${lo + 499}`,
      FLOTILLA_DNS_LISTEN: '127.0.0.1:0',
      // `flotilla login` writes here, never to the real user's ~/.config.
      XDG_CONFIG_HOME: path.join(this.home, 'config'),
      // One verified artifact cache for the whole test run: jars are fetched once, not per test.
      FLOTILLA_ARTIFACTS: process.env.FLOTILLA_ARTIFACTS ?? path.join(os.tmpdir(), 'flotilla-test-artifacts'),
    };
    delete this.env.FLOTILLA_ADDR;
    if (options.driver) this.env.FLOTILLA_DRIVER = options.driver;
  }

  cli(args: string[], timeoutMs = 120_000): Promise<CliResult> {
    return new Promise((resolve) => {
      execFile(CLI, args, { env: this.env, cwd: REPO, timeout: timeoutMs }, (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  }

  /** Runs the CLI and fails with its output unless it exits 0. */
  async ok(args: string[], timeoutMs?: number): Promise<string> {
    const r = await this.cli(args, timeoutMs);
    if (r.code !== 0)
      throw new Error(`flotilla ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  }

  daemonInfo(): { pid: number; address: string; dns: string | null } | null {
    try {
      return JSON.parse(fs.readFileSync(path.join(this.home, 'daemon.json'), 'utf8')) as {
        pid: number;
        address: string;
        dns: string | null;
      };
    } catch {
      return null;
    }
  }

  /** The daemon log's last lines (every daemon of this home appends to it): for a failure's message. */
  daemonLog(lines = 40): string {
    try {
      const text = fs.readFileSync(path.join(this.home, 'logs', 'daemon.log'), 'utf8');
      return text.trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no daemon log)';
    }
  }

  client(): FlotillaClient {
    const info = this.daemonInfo();
    if (!info) throw new Error('no daemon running for this home');
    return new FlotillaClient(info.address, { token: adminToken(this.home) });
  }

  /** Pids of every process that belongs to this home: tasks (by their sandbox) and the daemon. */
  processes(): number[] {
    return processesWithEnv([
      `FLOTILLA_SANDBOX=${path.join(this.home, 'sandboxes')}`,
      `FLOTILLA_HOME=${this.home}`,
    ]);
  }

  /** Stops the daemon and every task, then removes the home; returns how many processes had to be killed. */
  async cleanup(): Promise<number> {
    const info = this.daemonInfo();
    if (info) {
      await this.client()
        .shutdown(true)
        .catch(() => undefined);
      // Brokers shut down in a controlled way (moving their leaders first): give them time.
      await waitFor(() => !isAlive(info.pid), 90_000).catch(() => undefined);
    }
    const leftovers = this.processes();
    for (const pid of leftovers) {
      console.error(`left behind: ${pid} ${describeProcess(pid)}`);
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    const containers = await removeDockerLeftovers(daemonIdOf(this.home));
    // FLOTILLA_KEEP_HOMES=1 keeps a home (its logs and sandboxes) for a post-mortem.
    // The home's tenants' users and its firewall chain live outside it: they go with it.
    await forgetHome(this.home);
    if (!process.env.FLOTILLA_KEEP_HOMES) fs.rmSync(this.home, { recursive: true, force: true });
    TestHome.open.delete(this);
    return leftovers.length + containers;
  }
}

/** The cluster-admin token a daemon writes to its home on first start. */
export function adminToken(home: string): string {
  return fs.readFileSync(path.join(home, 'admin.token'), 'utf8').trim();
}

export function isAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}

function processesWithEnv(markers: string[]): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const env = fs.readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (env.some((e) => markers.some((m) => e.startsWith(m))) && isAlive(Number(entry)))
        found.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

export async function waitFor<T>(
  probe: () => T | Promise<T>,
  timeoutMs: number,
  what = 'condition',
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** A process's command line and its parent's pid, for a message about a process that should be gone. */
export function describeProcess(pid: number): string {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    return `${cmdline} (state ${state}, parent ${ppid})`;
  } catch {
    return '(gone)';
  }
}
