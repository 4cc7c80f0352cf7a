import fs from 'node:fs';
import path from 'node:path';
import type { TaskView } from '../../src/core/api-schemas.js';
import { isAlive } from '../helpers/flotilla.js';

/** A live process started for a task of one home: found by the sandbox its launch put in its environment. */
export interface TaskProcess {
  pid: number;
  ppid: number;
  pgid: number;
  /** FLOTILLA_TASK: tenant/id. */
  task: string;
  launchId: string;
  cmdline: string;
}

/** Every live process whose environment names a sandbox of `home` (tasks, what they started, checks run in them). */
export function taskProcesses(home: string): TaskProcess[] {
  const sandboxes = `FLOTILLA_SANDBOX=${path.join(home, 'sandboxes')}`;
  const found: TaskProcess[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const pid = Number(entry);
    try {
      const env = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      if (!env.some((e) => e.startsWith(sandboxes)) || !isAlive(pid)) continue;
      const value = (name: string) => env.find((e) => e.startsWith(`${name}=`))?.slice(name.length + 1) ?? '';
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      found.push({
        pid,
        ppid: Number(fields[1]),
        pgid: Number(fields[2]),
        task: value('FLOTILLA_TASK'),
        launchId: value('FLOTILLA_LAUNCH_ID'),
        cmdline: fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim(),
      });
    } catch {
      // gone meanwhile, or a kernel thread
    }
  }
  return found;
}

export interface Violations {
  /** Processes no task of the daemon accounts for: not in the process group of their task's pid. */
  orphans: TaskProcess[];
  /** Tasks with more than one live process group (two launches of one task running at once). */
  duplicates: { task: string; groups: number[] }[];
  /** Two tasks bound to one slot: the same id twice, or the same address and port. */
  sharedSlots: string[];
}

/**
 * What the daemon says (`tasks`, every tenant's) against what runs (`procs`). A process the daemon's
 * own health-check exec started (its own group, the daemon its parent) is the daemon's, not an orphan.
 */
export function violations(procs: TaskProcess[], tasks: TaskView[], daemonPid: number): Violations {
  const pidOf = new Map(tasks.filter((t) => t.pid).map((t) => [`${t.tenant}/${t.id}`, t.pid!]));
  const orphans = procs.filter((p) => {
    if (pidOf.get(p.task) === p.pgid) return false;
    return !(p.ppid === daemonPid && p.pgid === p.pid && ![...pidOf.values()].includes(p.pid));
  });
  const groups = new Map<string, Set<number>>();
  for (const p of procs) {
    // A check exec'd by the daemon runs in a group of its own beside its task's: not a second launch.
    if (p.ppid === daemonPid && p.pgid === p.pid && pidOf.get(p.task) !== p.pid) continue;
    groups.set(p.task, (groups.get(p.task) ?? new Set()).add(p.pgid));
  }
  const duplicates = [...groups]
    .filter(([, g]) => g.size > 1)
    .map(([task, g]) => ({ task, groups: [...g] }));
  const sharedSlots: string[] = [];
  const seen = new Map<string, string>();
  for (const t of tasks) {
    const slots = [`id ${t.tenant}/${t.id}`, ...(t.pid ? t.ports.map((p) => `port ${t.host}:${p}`) : [])];
    for (const slot of slots) {
      const other = seen.get(slot);
      if (other !== undefined) sharedSlots.push(`${slot}: ${other} and ${t.tenant}/${t.id}`);
      seen.set(slot, `${t.tenant}/${t.id}`);
    }
  }
  return { orphans, duplicates, sharedSlots };
}

/** Small, seeded, replayable: mulberry32. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
