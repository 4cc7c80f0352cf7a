import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import type { TaskUser } from '../../core/identity.js';
import type { ExecResult, ExitResult } from '../driver.js';
import type { TaskCgroup } from './cgroup-task.js';
import { runExec } from './spawn.js';
import { openProcessTerminal } from './terminal.js';
import type { TerminalSession, TerminalSize } from '../terminal.js';
import { groupMembers, isSameProcessAlive, readProcStat } from './state.js';

/** Once fd 3 is closed while the process lives on, only polling is left for that task. */
const DRAIN_POLL_MS = 250;
/** Safety net for adopted tasks whose leader died while a descendant still holds fd 3. */
const ADOPTED_POLL_MS = 2000;
const KILL_WAIT_MS = 2000;

export interface RunnerInit {
  taskKey: string;
  launchId: string;
  pid: number;
  startTime: string;
  startedAt: number;
  sandbox: string | null;
  env: Record<string, string>;
  /** Set when this daemon spawned the task: the only source of a real exit status. */
  child?: ChildProcess;
  /** Read end of run/alive.fifo: EOF once every holder of the write end (fd 3 of the task) is gone. */
  aliveFd?: number | null;
  /** The task's cgroup: what runs in it belongs to the task, in its process group or not. */
  cgroup?: TaskCgroup | null;
  /** The tenant's user the task runs as (its exec'd checks run as it too). */
  user?: TaskUser;
}

/** One running task, spawned by us or adopted from an earlier daemon, with its exit watcher. */
export class TaskRunner {
  readonly taskKey: string;
  readonly launchId: string;
  readonly pid: number;
  readonly startTime: string;
  readonly startedAt: number;
  readonly sandbox: string | null;
  readonly env: Record<string, string>;
  readonly cgroup: TaskCgroup | null;
  readonly user: TaskUser | undefined;
  private readonly child: ChildProcess | undefined;
  private exit: ExitResult | null = null;
  private drained = false;
  private disposed = false;
  private socket: net.Socket | null = null;
  private poll: NodeJS.Timeout | null = null;
  private readonly exited: Promise<ExitResult>;
  private resolveExit: (result: ExitResult) => void = () => {};
  private readonly goneWaiters = new Set<() => void>();

  constructor(init: RunnerInit) {
    this.taskKey = init.taskKey;
    this.launchId = init.launchId;
    this.pid = init.pid;
    this.startTime = init.startTime;
    this.startedAt = init.startedAt;
    this.sandbox = init.sandbox;
    this.env = init.env;
    this.child = init.child;
    this.cgroup = init.cgroup ?? null;
    this.user = init.user;
    this.exited = new Promise((resolve) => (this.resolveExit = resolve));
    if (this.child) {
      // A failed kill() emits 'error'; the status still arrives through 'exit'.
      this.child.on('error', () => {});
      // It may have ended while the launch waited for it to exec its program.
      const { exitCode, signalCode } = this.child;
      if (exitCode !== null || signalCode !== null) this.finish(exitCode, signalCode, false);
      else this.child.once('exit', (code, signal) => this.finish(code, signal, false));
    } else {
      this.startPoll(ADOPTED_POLL_MS);
    }
    if (init.aliveFd === undefined || init.aliveFd === null) this.onDrained();
    else this.watchFifo(init.aliveFd);
  }

  get running(): boolean {
    return this.exit === null;
  }

  wait(): Promise<ExitResult> {
    return this.exited;
  }

  /**
   * Sends `signal` to the whole process group, and to members of the task's cgroup that left it;
   * false when there is nobody left to signal.
   */
  signal(signal: NodeJS.Signals): boolean {
    const strays = (this.cgroup?.pids() ?? []).filter((pid) => readProcStat(pid)?.pgrp !== this.pid);
    // A PGID is not reused while any member of the group lives, so it is safe to signal until the
    // group is empty — even after the leader is gone and fd 3 is closed.
    if (this.isGone() && groupMembers(this.pid).length === 0 && strays.length === 0) return false;
    let sent = false;
    for (const target of [-this.pid, ...strays]) {
      try {
        process.kill(target, signal);
        sent = true;
      } catch {
        // Gone already.
      }
    }
    return sent;
  }

  /**
   * Stops the whole task: the leader and every member of its process group, even members that
   * closed fd 3 (wrappers such as pyenv's shims fork the real program and close inherited fds).
   */
  async stop(graceMs: number, signal: NodeJS.Signals): Promise<void> {
    if (this.isGone() && this.members().length === 0) return;
    if (signal !== 'SIGKILL') {
      const deadline = Date.now() + graceMs;
      this.signal(signal);
      if ((await this.waitGone(graceMs)) && (await this.waitNoMembers(deadline - Date.now()))) return;
    }
    // Members may ignore the signal: SIGKILL them all.
    this.signal('SIGKILL');
    await this.waitGone(KILL_WAIT_MS);
    await this.waitNoMembers(KILL_WAIT_MS);
  }

  exec(command: string, timeoutMs: number): Promise<ExecResult> {
    return runExec(command, timeoutMs, this.env, this.sandbox ?? '/', this.user);
  }

  /** A shell on a PTY in the task's sandbox, with its environment, as its user. */
  terminal(size: TerminalSize): TerminalSession {
    return openProcessTerminal({
      env: this.env,
      cwd: this.sandbox ?? '/',
      size,
      ...(this.user ? { user: this.user } : {}),
    });
  }

  /** Drops the watcher; the process itself is left alone. */
  dispose(): void {
    this.disposed = true;
    this.stopPoll();
    this.socket?.destroy();
    this.socket = null;
  }

  isGone(): boolean {
    return this.exit !== null && this.drained;
  }

  private waitGone(timeoutMs: number): Promise<boolean> {
    if (this.isGone()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (gone: boolean): void => {
        clearTimeout(timer);
        this.goneWaiters.delete(onGone);
        resolve(gone);
      };
      const onGone = (): void => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.goneWaiters.add(onGone);
    });
  }

  private watchFifo(fd: number): void {
    // Linux reports no hang-up on a FIFO that had no writer when it was opened, so a write end
    // already closed must be caught by this read: 0 bytes = no writer left, EAGAIN = writers exist.
    let noWriter = false;
    try {
      noWriter = fs.readSync(fd, Buffer.alloc(64)) === 0;
    } catch {
      noWriter = false;
    }
    if (noWriter) {
      fs.closeSync(fd);
      this.onDrained();
      return;
    }
    const socket = new net.Socket({ fd, readable: true, writable: false });
    socket.on('end', () => this.onDrained());
    socket.on('close', () => this.onDrained());
    socket.on('error', () => this.onDrained());
    socket.resume();
    this.socket = socket;
  }

  private onDrained(): void {
    if (this.drained || this.disposed) return;
    this.drained = true;
    this.socket?.destroy();
    this.socket = null;
    this.settleGone();
    if (this.exit) return;
    // Our own child reports its status through 'exit'; the poll then only keeps the event loop
    // alive until it comes (the child handle itself is unref'd). An adopted one must be checked.
    if (this.child || isSameProcessAlive(this.pid, this.startTime)) this.startPoll(DRAIN_POLL_MS);
    else this.finish(null, null, true);
  }

  private finish(exitCode: number | null, signal: string | null, unknownStatus: boolean): void {
    if (this.exit) return;
    const message = this.cgroup?.explainExit({ signal, unknownStatus });
    this.exit = { exitCode, signal, unknownStatus, at: Date.now(), ...(message ? { message } : {}) };
    this.stopPoll();
    this.resolveExit(this.exit);
    this.settleGone();
  }

  private settleGone(): void {
    if (!this.isGone()) return;
    for (const waiter of [...this.goneWaiters]) waiter();
  }

  private startPoll(intervalMs: number): void {
    this.stopPoll();
    this.poll = setInterval(() => {
      if (!this.child && !isSameProcessAlive(this.pid, this.startTime)) this.finish(null, null, true);
    }, intervalMs);
  }

  private stopPoll(): void {
    if (this.poll) clearInterval(this.poll);
    this.poll = null;
  }

  /** Live processes of the task: its process group, and its cgroup when it has one. */
  members(): number[] {
    const group = groupMembers(this.pid);
    return this.cgroup ? [...new Set([...group, ...this.cgroup.pids()])] : group;
  }

  private async waitNoMembers(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + Math.max(0, timeoutMs);
    for (;;) {
      if (this.members().length === 0) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
