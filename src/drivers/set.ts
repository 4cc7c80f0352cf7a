import { FlotillaError } from '../core/errors.js';
import type { TaskHandle } from '../core/task.js';
import type { Driver, DriverCapabilities, ExecResult, ExitResult, TaskConfig, TaskStatus } from './driver.js';
import type { TerminalSession, TerminalSize } from './terminal.js';

/**
 * The daemon's drivers behind the one Driver interface the reconciler knows: a task starts on the
 * driver its config names (else the default), is recovered by the one its handle names, and every
 * later call goes to the driver that runs it. A driver is created on first use, so a daemon without a
 * Docker engine runs process tasks as before and says why container tasks cannot start.
 */
export class DriverSet implements Driver {
  readonly name = 'set';
  private readonly made = new Map<string, Driver>();
  private readonly byTask = new Map<string, Driver>();

  constructor(
    private readonly factories: Record<string, () => Driver>,
    private readonly defaultName: string,
  ) {
    if (!factories[defaultName]) throw new Error(`no driver named ${defaultName}`);
  }

  /** The driver named `name`, created now if it is not yet. */
  get(name: string): Driver {
    let driver = this.made.get(name);
    if (!driver) {
      const make = this.factories[name];
      if (!make)
        throw new FlotillaError(
          'DRIVER_UNSUPPORTED',
          `no driver named "${name}": this daemon has ${Object.keys(this.factories).join(', ')}`,
        );
      driver = make();
      this.made.set(name, driver);
    }
    return driver;
  }

  /** The drivers created so far. */
  created(): Driver[] {
    return [...this.made.values()];
  }

  nameFor(requested: string | undefined): string {
    return requested ?? this.defaultName;
  }

  capabilities(): DriverCapabilities {
    return this.get(this.defaultName).capabilities();
  }

  async startTask(config: TaskConfig): Promise<TaskHandle> {
    const driver = this.get(config.driver ?? this.defaultName);
    const handle = await driver.startTask(config);
    this.byTask.set(config.taskKey, driver);
    return handle;
  }

  async waitTask(taskKey: string): Promise<ExitResult> {
    return this.of(taskKey).waitTask(taskKey);
  }

  async stopTask(taskKey: string, gracePeriodMs: number, signal?: NodeJS.Signals): Promise<void> {
    return this.of(taskKey).stopTask(taskKey, gracePeriodMs, signal);
  }

  /** Unknown here: every created driver cleans up what an earlier daemon may have left under the key. */
  async destroyTask(taskKey: string): Promise<void> {
    const driver = this.byTask.get(taskKey);
    if (driver) {
      await driver.destroyTask(taskKey);
      if (!driver.inspectTask(taskKey)) this.byTask.delete(taskKey);
      return;
    }
    await Promise.all(this.created().map((d) => d.destroyTask(taskKey).catch(() => undefined)));
  }

  inspectTask(taskKey: string): TaskStatus | null {
    return this.byTask.get(taskKey)?.inspectTask(taskKey) ?? null;
  }

  async recoverTask(taskKey: string, handle: TaskHandle): Promise<boolean> {
    // A launch recorded by an earlier release named the set itself: it ran on the default driver
    // unless its spec said otherwise, and a pending one (pid 0) is found by its launch id there.
    const driver = this.get(handle.driver === this.name ? this.defaultName : handle.driver);
    const alive = await driver.recoverTask(taskKey, handle);
    if (alive) this.byTask.set(taskKey, driver);
    return alive;
  }

  taskReady(taskKey: string): void {
    this.byTask.get(taskKey)?.taskReady?.(taskKey);
  }

  async execTask(taskKey: string, command: string, timeoutMs: number): Promise<ExecResult> {
    return this.of(taskKey).execTask(taskKey, command, timeoutMs);
  }

  async signalTask(taskKey: string, signal: NodeJS.Signals): Promise<void> {
    return this.of(taskKey).signalTask(taskKey, signal);
  }

  async openTerminal(taskKey: string, size: TerminalSize): Promise<TerminalSession> {
    const driver = this.of(taskKey);
    if (!driver.openTerminal) {
      throw new FlotillaError('DRIVER_UNSUPPORTED', `the ${driver.name} driver cannot open a terminal`);
    }
    return driver.openTerminal(taskKey, size);
  }

  async purgeTask(taskKey: string): Promise<void> {
    for (const d of this.created()) await d.purgeTask?.(taskKey);
  }

  async sweep(keep: ReadonlySet<string>): Promise<string[]> {
    // The default driver sweeps even when no task needed it: leftovers may outlive every task.
    this.get(this.defaultName);
    const removed: string[] = [];
    for (const d of this.created()) removed.push(...((await d.sweep?.(keep)) ?? []));
    return removed;
  }

  private of(taskKey: string): Driver {
    const driver = this.byTask.get(taskKey);
    if (!driver) throw new FlotillaError('TASK_NOT_FOUND', `no driver runs a task ${taskKey}.`);
    return driver;
  }
}
