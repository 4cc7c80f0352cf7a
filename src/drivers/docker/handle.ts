import os from 'node:os';
import type { ExecResult, ExitResult } from '../driver.js';
import type { Engine } from './engine.js';
import { runExec } from './exec.js';
import { openDockerTerminal } from './terminal.js';
import type { TerminalSession, TerminalSize } from '../terminal.js';
import { LogFollower } from './logs.js';
import { isStatus } from './resources.js';
import type { ContainerInfo } from './state.js';

/** After the exit, how long reading the rest of the logs may take before the exit is reported anyway. */
const LOG_DRAIN_MS = 10_000;
/** After SIGKILL, how long stopTask waits for the engine to report the exit. */
const KILL_WAIT_MS = 10_000;
const WAIT_RETRY_MS = 500;
const CALL_TIMEOUT_MS = 60_000;

/** An engine stop signal (`SIGINT`, `INT`, `2`) as Node names it; anything else is SIGTERM. */
export function signalName(text: string | undefined): NodeJS.Signals {
  if (!text) return 'SIGTERM';
  const upper = text.toUpperCase();
  const name = /^\d+$/.test(upper)
    ? Object.entries(os.constants.signals).find(([, n]) => n === Number(upper))?.[0]
    : upper.startsWith('SIG')
      ? upper
      : `SIG${upper}`;
  return name && name in os.constants.signals ? (name as NodeJS.Signals) : 'SIGTERM';
}

export interface ContainerTaskInit {
  engine: Engine;
  taskKey: string;
  launchId: string;
  containerId: string;
  pid: number;
  /** The container's State.StartedAt, as the engine wrote it: its identity beside the id. */
  startTime: string;
  startedAt: number;
  sandbox: string;
  networks: string[];
  /** The container's stop signal (Config.StopSignal), as the engine reports it; unset: SIGTERM. */
  stopSignal?: string;
  /** Adopted from an earlier daemon: its logs resume after the cursor in run/. */
  adopted: boolean;
  warn: (message: string) => void;
}

/**
 * One container of a task, started by us or adopted: a single long-poll /wait tells its exit, and
 * a log follower copies its output into the sandbox. The exit is reported once both are done, so
 * that whoever waits reads complete log files.
 */
export class ContainerTask {
  readonly taskKey: string;
  readonly launchId: string;
  readonly containerId: string;
  readonly pid: number;
  readonly startTime: string;
  readonly startedAt: number;
  readonly sandbox: string;
  readonly networks: string[];
  /** What stopTask sends first when the caller names no signal. */
  readonly stopSignal: NodeJS.Signals;
  private readonly engine: Engine;
  private readonly warn: (message: string) => void;
  private readonly logs: LogFollower;
  private readonly abort = new AbortController();
  private exit: ExitResult | null = null;
  private disposed = false;
  /** Settles when the engine reports the exit. */
  private readonly exited: Promise<ExitResult>;
  /** Settles when the exit is reported and the logs are written. */
  private readonly finished: Promise<ExitResult>;

  constructor(init: ContainerTaskInit) {
    this.engine = init.engine;
    this.taskKey = init.taskKey;
    this.launchId = init.launchId;
    this.containerId = init.containerId;
    this.pid = init.pid;
    this.startTime = init.startTime;
    this.startedAt = init.startedAt;
    this.sandbox = init.sandbox;
    this.networks = init.networks;
    this.stopSignal = signalName(init.stopSignal);
    this.warn = init.warn;
    this.logs = new LogFollower(init.engine, init.containerId, init.sandbox, init.adopted);
    this.exited = this.watch();
    this.finished = this.exited.then(async (exit) => {
      await this.settleLogs();
      return exit;
    });
  }

  get running(): boolean {
    return this.exit === null;
  }

  wait(): Promise<ExitResult> {
    return this.finished;
  }

  /**
   * False when the container was not running any more. SIGSTOP and SIGCONT become the engine's
   * pause and unpause (a second pause, or an unpause of a running one, changes nothing): sent to the
   * container, they would stop docker-init alone, not the program it runs; the engine freezes every
   * process of the container (its freezer cgroup). A paused container still takes any other signal:
   * the engine unpauses it to deliver it.
   */
  async signal(signal: NodeJS.Signals): Promise<boolean> {
    const call =
      signal === 'SIGSTOP'
        ? { path: `/containers/${this.containerId}/pause` }
        : signal === 'SIGCONT'
          ? { path: `/containers/${this.containerId}/unpause` }
          : { path: `/containers/${this.containerId}/kill`, query: { signal } };
    try {
      await this.engine.json({ method: 'POST', ...call, timeoutMs: CALL_TIMEOUT_MS });
      return true;
    } catch (err) {
      // Docker 20.10 answers an unpause of a container that is not paused with a 500.
      if (isStatus(err, 409, 500) && /is already paused|is not paused/.test((err as Error).message))
        return true;
      if (isStatus(err, 404, 409)) return false;
      throw err;
    }
  }

  /**
   * `signal` (docker-init passes it on to the command), SIGKILL once the grace period is over.
   * Not /stop?t=: its grace period counts whole seconds.
   */
  async stop(graceMs: number, signal: NodeJS.Signals): Promise<void> {
    if (this.running && signal !== 'SIGKILL') {
      await this.signal(signal);
      if (await this.exitWithin(graceMs)) {
        await this.finished;
        return;
      }
    }
    if (this.running) await this.signal('SIGKILL');
    if (!(await this.exitWithin(KILL_WAIT_MS))) {
      this.warn(`Container ${this.containerId} of task ${this.taskKey} did not exit after SIGKILL.`);
      return;
    }
    await this.finished;
  }

  exec(command: string, timeoutMs: number): Promise<ExecResult> {
    return runExec(this.engine, this.taskKey, this.containerId, command, timeoutMs);
  }

  terminal(size: TerminalSize): Promise<TerminalSession> {
    return openDockerTerminal(this.engine, this.taskKey, this.containerId, size);
  }

  /** Stops watching (the container itself is left alone); the log cursor stays for a later daemon. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.abort.abort();
    this.logs.close();
  }

  private async exitWithin(ms: number): Promise<boolean> {
    if (!this.running) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    const result = await Promise.race([this.exited.then(() => true), timeout]);
    clearTimeout(timer);
    return result;
  }

  /** One long poll at a time; a broken connection (the engine restarting) is polled again. */
  private async watch(): Promise<ExitResult> {
    for (;;) {
      try {
        await this.engine.json({
          method: 'POST',
          path: `/containers/${this.containerId}/wait`,
          query: { condition: 'not-running' },
          longLived: true,
          signal: this.abort.signal,
        });
        const info = await this.engine.json<ContainerInfo>({
          path: `/containers/${this.containerId}/json`,
          timeoutMs: CALL_TIMEOUT_MS,
        });
        if (!info.State.Running) return this.finish(exitOf(info));
      } catch (err) {
        if (this.disposed) return new Promise<ExitResult>(() => {});
        if (isStatus(err, 404)) {
          // Removed behind our back: the engine cannot tell how it ended any more.
          return this.finish({ exitCode: null, signal: null, unknownStatus: true, at: Date.now() });
        }
        await new Promise((r) => setTimeout(r, WAIT_RETRY_MS));
      }
      if (this.disposed) return new Promise<ExitResult>(() => {});
    }
  }

  private finish(exit: ExitResult): ExitResult {
    this.exit ??= exit;
    return this.exit;
  }

  private async settleLogs(): Promise<void> {
    this.logs.exit();
    if (!(await settlesWithin(this.logs.done, LOG_DRAIN_MS))) {
      this.warn(
        `The logs of task ${this.taskKey} could not be read to their end; the exit is reported without the rest.`,
      );
      this.logs.close();
    }
  }
}

function exitOf(info: ContainerInfo): ExitResult {
  const finishedAt = Date.parse(info.State.FinishedAt);
  const exit: ExitResult = {
    exitCode: info.State.ExitCode,
    signal: null,
    unknownStatus: false,
    // The engine's own time of the exit: right even for a task that ended while no daemon ran.
    at: Number.isNaN(finishedAt) || finishedAt <= 0 ? Date.now() : finishedAt,
  };
  if (info.State.OOMKilled) {
    const mb = Math.round(info.HostConfig.Memory / (1024 * 1024));
    exit.message = mb > 0 ? `killed: out of memory (limit ${mb} MB)` : 'killed: out of memory';
  }
  return exit;
}

async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const result = await Promise.race([promise.then(() => true), timeout]);
  clearTimeout(timer);
  return result;
}
