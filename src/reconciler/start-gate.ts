import os from 'node:os';
import type { StartOrder } from '../core/service.js';
import type { TaskRecord } from '../core/task.js';

/** What the gate knows of a task that asks to start. */
export interface StartRequest {
  key: string;
  /** Whose `serial` order it follows: its stack (or its owner, outside a stack). */
  group: string;
  order: StartOrder;
  /** A JVM (or another start that keeps a core busy for seconds): `auto` admits these by cores. */
  heavy: boolean;
  /** Its owner's tasks must start one after another (Cassandra's first boots): one holds a turn at a time. */
  owner: string;
  oneAtATime: boolean;
  /** The length of the chain of starts that waits on this one: the larger goes first. */
  priority: number;
  /**
   * Services with a longer chain that may start now but have not asked yet (their tasks are still
   * fetching jars, say), given the services that hold turns: turns are kept for them.
   */
  ahead?: (holding: ReadonlySet<string>) => number;
}

interface Waiter extends StartRequest {
  seq: number;
  admit: () => void;
}

/**
 * Services whose JVMs start at once in `auto`, by default: one per two cores. A JVM's start keeps
 * about two cores busy (its JIT compiler threads beside the application's own start), and on this
 * 2-core machine the dev stack was ready sooner with one such service starting at a time than with
 * two (docs/benchmarks.md, "start slots").
 */
export function defaultStartSlots(cores = os.availableParallelism()): number {
  return Math.max(1, Math.floor(cores / 2));
}

/** A start that never becomes ready gives its turn back after this long, so nothing waits forever. */
const HOLD_LIMIT_MS = 300_000;

/**
 * Admits task starts so that, on a small machine, the critical path is not slowed down by every JVM
 * starting at once: in `auto`, the heavy (JVM) starts of at most `slots` services (one per two
 * cores, by default) run at once, each held from launch until the task is ready, exits or is removed, and the
 * waiting start with the longest chain behind it goes first. `serial` starts the tasks of a stack one
 * at a time; `parallel` admits every start at once.
 */
export class StartGate {
  private readonly held = new Map<
    string,
    { owner: string; group: string; serial: boolean; timer: NodeJS.Timeout }
  >();
  private waiting: Waiter[] = [];
  private seq = 0;

  constructor(private readonly slots: number) {}

  /** Resolves when `r` may start; at once when its order does not gate it. */
  admit(r: StartRequest): Promise<void> {
    this.release(r.key);
    if (r.order === 'parallel' || (r.order === 'auto' && !r.heavy && !r.oneAtATime)) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiting.push({ ...r, seq: this.seq++, admit: resolve });
      this.pump();
    });
  }

  /** The task is ready, gone, or no longer starting: its turn goes to the next. Safe to call twice. */
  release(key: string): void {
    const h = this.held.get(key);
    if (!h) return;
    clearTimeout(h.timer);
    this.held.delete(key);
    this.pump();
  }

  /** Lets every waiting start go (the daemon stops: they will find it stopped and do nothing). */
  drain(): void {
    for (const w of this.waiting) w.admit();
    this.waiting = [];
  }

  /** How many starts wait for a turn, and how many hold one: for the task's message. */
  get counts(): { waiting: number; holding: number } {
    return { waiting: this.waiting.length, holding: this.held.size };
  }

  private pump(): void {
    this.waiting.sort((a, b) => b.priority - a.priority || a.seq - b.seq);
    for (let i = 0; i < this.waiting.length;) {
      const w = this.waiting[i]!;
      if (!this.mayStart(w)) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      const timer = setTimeout(() => this.release(w.key), HOLD_LIMIT_MS);
      timer.unref();
      this.held.set(w.key, { owner: w.owner, group: w.group, serial: w.order === 'serial', timer });
      w.admit();
    }
  }

  private mayStart(w: Waiter): boolean {
    const holders = [...this.held.values()];
    if (w.oneAtATime && holders.some((h) => h.owner === w.owner)) return false;
    if (w.order === 'serial') return !holders.some((h) => h.serial && h.group === w.group);
    if (!w.heavy) return true;
    // A service's tasks start together (three brokers on two cores are ready sooner side by side
    // than two, then one): the turns count services, the longest chain first.
    const owners = new Set(holders.filter((h) => !h.serial).map((h) => h.owner));
    return owners.has(w.owner) || owners.size + (w.ahead?.(owners) ?? 0) < this.slots;
  }
}

/**
 * The chain of starts behind a task: 1 for itself (its owner's remaining starts when they go one at
 * a time) plus the longest chain among the owners that depend on its owner. `tasks` are the
 * tenant's tasks; the pure part of the gate's priority.
 */
export function chainLength(
  t: TaskRecord,
  tasks: TaskRecord[],
  oneAtATime: (owner: string) => boolean,
  ready: (x: TaskRecord) => boolean,
): number {
  const wanted = tasks.filter((x) => x.desired === 'running');
  const memo = new Map<string, number>();
  const ofOwner = (owner: string, seen: Set<string>): number => {
    const known = memo.get(owner);
    if (known !== undefined) return known;
    if (seen.has(owner)) return 0;
    seen.add(owner);
    const mine = wanted.filter((x) => x.owner === owner);
    const own = oneAtATime(owner) ? Math.max(1, mine.filter((x) => !ready(x)).length) : 1;
    const dependents = new Set(wanted.filter((x) => x.spec.dependsOn.includes(owner)).map((x) => x.owner));
    const after = Math.max(0, ...[...dependents].map((d) => ofOwner(d, seen)));
    memo.set(owner, own + after);
    return own + after;
  };
  return ofOwner(t.owner, new Set());
}
