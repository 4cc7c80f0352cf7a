import fs from 'node:fs';
import path from 'node:path';
import type { TaskView } from '../../src/core/api-schemas.js';
import assert from 'node:assert/strict';
import { isAlive, type TestHome } from '../helpers/flotilla.js';

/** A live process started for a task of one home: by the sandbox in its environment, or the one it runs in. */
export interface TaskProcess {
  pid: number;
  ppid: number;
  pgid: number;
  /** FLOTILLA_TASK (tenant/id), or '' when the program rewrote its environment (redis-server does). */
  task: string;
  sandbox: string;
  /** A command the daemon ran inside the task (a check, nodetool), not the task itself. */
  exec: boolean;
  cmdline: string;
}

/** Every live process of `home`'s sandboxes: tasks, what they started, commands run in them. */
export function taskProcesses(home: string): TaskProcess[] {
  const root = `${path.join(home, 'sandboxes')}${path.sep}`;
  const found: TaskProcess[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const pid = Number(entry);
    try {
      const env = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      const value = (name: string) => env.find((e) => e.startsWith(`${name}=`))?.slice(name.length + 1);
      const sandbox = value('FLOTILLA_SANDBOX') ?? fs.readlinkSync(`/proc/${pid}/cwd`);
      if (!`${sandbox}${path.sep}`.startsWith(root) || !isAlive(pid)) continue;
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      found.push({
        pid,
        ppid: Number(fields[1]),
        pgid: Number(fields[2]),
        task: value('FLOTILLA_TASK') ?? '',
        sandbox,
        exec: value('FLOTILLA_EXEC') !== undefined,
        cmdline: fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim(),
      });
    } catch {
      // gone meanwhile, or a kernel thread
    }
  }
  return found;
}

export interface Violations {
  /** Processes no task of the daemon accounts for: not in their task's process group, nor the daemon's own command. */
  orphans: TaskProcess[];
  /** Tasks with more than one live process group (two launches of one task running at once). */
  duplicates: { task: string; groups: number[] }[];
  /** Two tasks bound to one slot: the same id twice, or the same address and port. */
  sharedSlots: string[];
}

/** What the daemon says (`tasks`) against what runs (`procs`). */
export function violations(procs: TaskProcess[], tasks: TaskView[], daemonPid: number): Violations {
  const key = (t: TaskView) => `${t.tenant}/${t.id}`;
  // redis-server rewrites its environment: it is known by the folder it runs in (its sandbox's data/).
  const inSandbox = (dir: string) =>
    tasks.find((t) => `${dir}${path.sep}`.startsWith(`${t.sandbox}${path.sep}`));
  const pidOf = new Map(tasks.filter((t) => t.pid).map((t) => [key(t), t.pid!]));
  const taskOf = (p: TaskProcess) => {
    const t = p.task ? undefined : inSandbox(p.sandbox);
    return p.task || (t ? key(t) : p.sandbox);
  };
  const leaderParent = (pgid: number) => procs.find((q) => q.pid === pgid)?.ppid;
  // A command the running daemon started (a check, nodetool) runs in a group of its own: the daemon's.
  const daemons = (p: TaskProcess) => p.exec && (p.ppid === daemonPid || leaderParent(p.pgid) === daemonPid);
  const orphans = procs.filter((p) => !daemons(p) && pidOf.get(taskOf(p)) !== p.pgid);
  const groups = new Map<string, Set<number>>();
  for (const p of procs) {
    if (p.exec) continue;
    groups.set(taskOf(p), (groups.get(taskOf(p)) ?? new Set()).add(p.pgid));
  }
  const duplicates = [...groups].filter(([, g]) => g.size > 1).map(([task, g]) => ({ task, groups: [...g] }));
  const sharedSlots: string[] = [];
  const seen = new Map<string, string>();
  for (const t of tasks) {
    const slots = [`id ${key(t)}`, ...(t.pid ? t.ports.map((p) => `port ${t.host}:${p}`) : [])];
    for (const slot of slots) {
      const other = seen.get(slot);
      if (other !== undefined) sharedSlots.push(`${slot}: ${other} and ${key(t)}`);
      seen.set(slot, key(t));
    }
  }
  return { orphans, duplicates, sharedSlots };
}

/** Small, seeded, replayable: the scheduler's own mulberry32. */
export { seededRandom as prng } from '../../src/scheduler/prng.js';

/** Samples the invariants every 150 ms for `ms`: a process must be unaccounted for twice in a row to be an orphan. */
export async function watchSettling(home: TestHome, ms: number): Promise<Violations> {
  const deadline = Date.now() + ms;
  let suspects = new Set<number>();
  const found: Violations = { orphans: [], duplicates: [], sharedSlots: [] };
  while (Date.now() < deadline) {
    const v = await sample(home);
    found.orphans.push(...v.orphans.filter((p) => suspects.has(p.pid)));
    suspects = new Set(v.orphans.map((p) => p.pid));
    found.duplicates.push(...v.duplicates);
    found.sharedSlots.push(...v.sharedSlots);
    if (found.orphans.length + found.duplicates.length + found.sharedSlots.length > 0) break;
    await new Promise((r) => setTimeout(r, 150));
  }
  return found;
}

/** One look: processes, the daemon's tasks, processes again; only a process seen both times counts. */
export async function sample(home: TestHome): Promise<Violations> {
  const before = taskProcesses(home.home);
  const daemon = home.daemonInfo()!.pid;
  const tasks = await home.client().listTasks();
  const still = new Set(taskProcesses(home.home).map((p) => p.pid));
  return violations(
    before.filter((p) => still.has(p.pid)),
    tasks,
    daemon,
  );
}

export function assertClean(v: Violations, what: string): void {
  const lines = [
    ...v.orphans.map((p) => `orphan: pid ${p.pid} (group ${p.pgid}) of ${p.task || p.sandbox}: ${p.cmdline}`),
    ...v.duplicates.map((d) => `duplicate: ${d.task} runs in groups ${d.groups.join(', ')}`),
    ...v.sharedSlots.map((s) => `slot held twice: ${s}`),
  ];
  assert.deepEqual(lines, [], what);
}
