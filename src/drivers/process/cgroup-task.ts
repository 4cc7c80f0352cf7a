import fs from 'node:fs';
import path from 'node:path';
import type { ExitResult } from '../driver.js';
import type { CgroupRoots } from './cgroups.js';
import {
  cgroupDir,
  ensureCgroupDirs,
  parseMountinfo,
  parseProcCgroup,
  readWords,
  rmdirQuietly,
  scopeHash,
} from './cgroups.js';
import { readProcStat } from './state.js';

export const CFS_PERIOD_US = 100_000;
/** One core's CPU weight, the kernel's default for a cgroup: v1's cpu.shares, v2's cpu.weight. */
const CORE_WEIGHT = { 'cpu.shares': 1024, 'cpu.weight': 100 } as const;
/** The kernel may take a moment to release a cgroup whose last process just exited. */
const REMOVE_WAIT_MS = 2000;

export interface LimitWrite {
  controller: 'cpu' | 'memory';
  file: string;
  value: string;
  /** Absent on some kernels or configurations (no swap accounting): skipped then. */
  optional?: boolean;
}

/**
 * What enforces cpus and mem, Mesos-style: a proportional weight, plus (cpuQuota) a CFS quota of cpus × period,
 * and mem as a hard limit (swap is kept out, or the limit would stretch by the size of the swap).
 * A resource set to 0 gets no limit. Defaults are written explicitly for a reused cgroup.
 */
export function limitWrites(
  mechanism: CgroupRoots['mechanism'],
  cpus: number,
  mem: number,
  cpuQuota = true,
): LimitWrite[] {
  const quota = cpuQuota && cpus > 0 ? Math.max(1000, Math.round(cpus * CFS_PERIOD_US)) : null;
  const bytes = mem > 0 ? Math.round(mem * 2 ** 20) : null;
  if (mechanism === 'cgroup-v1') {
    const core = CORE_WEIGHT['cpu.shares'];
    const shares = cpus > 0 ? Math.max(2, Math.round(core * cpus)) : core;
    return [
      { controller: 'cpu', file: 'cpu.cfs_period_us', value: String(CFS_PERIOD_US) },
      { controller: 'cpu', file: 'cpu.cfs_quota_us', value: String(quota ?? -1) },
      { controller: 'cpu', file: 'cpu.shares', value: String(shares) },
      { controller: 'memory', file: 'memory.limit_in_bytes', value: String(bytes ?? -1) },
      // The default is inherited from the parent: only a limited task needs its own.
      ...(bytes
        ? [{ controller: 'memory', file: 'memory.swappiness', value: '0', optional: true } as const]
        : []),
    ];
  }
  const core = CORE_WEIGHT['cpu.weight'];
  return [
    { controller: 'cpu', file: 'cpu.max', value: `${quota ?? 'max'} ${CFS_PERIOD_US}` },
    {
      controller: 'cpu',
      file: 'cpu.weight',
      value: String(cpus > 0 ? Math.min(10_000, Math.max(1, Math.round(core * cpus))) : core),
    },
    { controller: 'memory', file: 'memory.max', value: String(bytes ?? 'max') },
    { controller: 'memory', file: 'memory.swap.max', value: bytes ? '0' : 'max', optional: true },
  ];
}

/** `<tenant>/<task>` of a task key, each made a safe directory name that no control file can clash with. */
export function taskCgroupPath(taskKey: string): string {
  const slash = taskKey.indexOf('/');
  const [tenant, id] = slash < 0 ? ['_', taskKey] : [taskKey.slice(0, slash), taskKey.slice(slash + 1)];
  return path.join(safeName(tenant), safeName(id));
}

/** Names of cgroup control files, which a directory must not take. */
const CONTROL_FILE =
  /^((cgroup|cpu|cpuacct|cpuset|memory|io|pids|rdma|hugetlb|misc|blkio|devices|freezer|net_cls|net_prio|perf_event)\.|(tasks|notify_on_release|release_agent)$)/;

function safeName(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^\./, '_');
  // A hash keeps names apart that differ only in the characters replaced.
  return safe === name && safe !== '' && !CONTROL_FILE.test(safe) ? safe : `${safe}-${hashOf(name)}`;
}

function hashOf(text: string): string {
  let h = 2166136261;
  for (const ch of text) h = Math.imul(h ^ ch.codePointAt(0)!, 16777619) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/** One task's cgroup: one directory per hierarchy (under v2, one directory). */
export class TaskCgroup {
  private readonly oomBaseline: number;

  constructor(
    readonly dirs: CgroupRoots,
    /** 0 when memory is not limited. */
    readonly memLimitMb: number,
    /** The CPU weight its cpus ask for, written once it is ready (startCpuWeight); null: written already. */
    private settleWeight: LimitWrite | null = null,
  ) {
    this.oomBaseline = this.oomKills();
  }

  /** The task is ready: its declared CPU weight applies from now on (see startCpuWeight). */
  settleCpu(): void {
    if (!this.settleWeight) return;
    try {
      fs.writeFileSync(path.join(this.dirs.cpu, this.settleWeight.file), this.settleWeight.value);
    } catch {
      // Gone meanwhile: the task has exited.
    }
    this.settleWeight = null;
  }

  /** Every directory, each once (v1 may co-mount cpu and cpuacct). */
  get all(): string[] {
    const { cpu, memory, acct, net } = this.dirs;
    return [...new Set([cpu, memory, ...(acct ? [acct] : []), ...(net ? [net] : [])])];
  }

  /** What a new process writes its PID into to join the task. */
  procsFiles(): string[] {
    return this.all.map((d) => path.join(d, 'cgroup.procs'));
  }

  /** Live members: every process of the task, including those that left its process group. */
  pids(): number[] {
    return readWords(path.join(this.dirs.memory, 'cgroup.procs'))
      .map(Number)
      .filter((pid) => {
        const state = readProcStat(pid)?.state;
        return state !== undefined && state !== 'Z' && state !== 'X';
      });
  }

  /** Processes the kernel killed for lack of memory, in this cgroup's life. */
  oomKills(): number {
    const file = this.dirs.mechanism === 'cgroup-v1' ? 'memory.oom_control' : 'memory.events';
    try {
      const m = /^oom_kill (\d+)$/m.exec(fs.readFileSync(path.join(this.dirs.memory, file), 'utf8'));
      return m ? Number(m[1]) : 0;
    } catch {
      return 0;
    }
  }

  /** A word on an exit the memory limit caused; read before the cgroup is removed. */
  explainExit(exit: Pick<ExitResult, 'signal' | 'unknownStatus'>): string | undefined {
    const kills = this.oomKills() - this.oomBaseline;
    if (kills <= 0) return undefined;
    const limit = this.memLimitMb > 0 ? ` (limit ${this.memLimitMb} MB)` : '';
    return exit.signal === 'SIGKILL' || exit.unknownStatus
      ? `killed: out of memory${limit}`
      : `a process of the task was killed: out of memory${limit}`;
  }

  /** CPU time used by the task so far, in microseconds; null when not accounted. */
  cpuUsageUsec(): number | null {
    try {
      if (this.dirs.mechanism === 'cgroup-v2') {
        const m = /^usage_usec (\d+)$/m.exec(fs.readFileSync(path.join(this.dirs.cpu, 'cpu.stat'), 'utf8'));
        return m ? Number(m[1]) : null;
      }
      if (!this.dirs.acct) return null;
      return Number(fs.readFileSync(path.join(this.dirs.acct, 'cpuacct.usage'), 'utf8')) / 1000;
    } catch {
      return null;
    }
  }

  /**
   * Removes the directories, then the tenant's and the daemon's roots if nothing is left in them.
   * `kill`: SIGKILL whatever still runs in it first; otherwise a cgroup still in use stays.
   */
  async remove(kill: boolean): Promise<boolean> {
    const deadline = Date.now() + REMOVE_WAIT_MS;
    for (;;) {
      const members = this.pids();
      if (members.length > 0 && !kill) return false;
      for (const pid of members) killQuietly(pid);
      if (this.all.filter((d) => !rmdirQuietly(d)).length === 0) break;
      if (Date.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, 20));
    }
    // Up to flotilla/ itself: an empty leftover would keep the daemon's own cgroup from being removed.
    for (const dir of this.all) {
      const [tenant, root, top] = [1, 2, 3].map((n) => ancestor(dir, n));
      if (rmdirQuietly(tenant!) && rmdirQuietly(root!)) rmdirQuietly(top!);
    }
    return true;
  }
}

/** Creates (or reuses) the task's cgroup and writes its limits, before anything runs in it. */
export function createTaskCgroup(
  roots: CgroupRoots,
  taskKey: string,
  cpus: number,
  mem: number,
  cpuQuota: boolean,
): TaskCgroup {
  const dirs = taskDirs(roots, taskKey);
  for (const [root, dir] of [
    [roots.cpu, dirs.cpu],
    [roots.memory, dirs.memory],
    [roots.acct, dirs.acct],
  ] as const) {
    if (root && dir) ensureCgroupDirs(roots.mechanism, path.dirname(path.dirname(root)), dir);
  }
  // A controller-less v2 directory: only made, never given controllers.
  if (roots.net && dirs.net) ensureCgroupDirs('cgroup-v1', path.dirname(path.dirname(roots.net)), dirs.net);
  const writes = limitWrites(roots.mechanism, cpus, mem, cpuQuota);
  const boost = startCpuWeight(writes);
  for (const w of boost ? writes.map((x) => (x.file === boost.start.file ? boost.start : x)) : writes) {
    const file = path.join(w.controller === 'cpu' ? dirs.cpu : dirs.memory, w.file);
    try {
      fs.writeFileSync(file, w.value);
    } catch (err) {
      if (!w.optional) throw err;
    }
  }
  return new TaskCgroup(dirs, mem > 0 ? mem : 0, boost?.settle ?? null);
}

/**
 * A task that asks for less than one core's weight starts with one core's (the kernel's default),
 * and gets its own once ready: under contention a weight is a share of the cores, and a JVM's start
 * on its share of two busy cores took half again as long (a Spark master at 0.5 cpus beside its two
 * workers: 19 s to ready, against 13 s without weights), while it only waits for it once running.
 * Kubernetes users reach for a "startup CPU boost" for the same reason.
 */
export function startCpuWeight(writes: LimitWrite[]): { start: LimitWrite; settle: LimitWrite } | null {
  const weight = writes.find((w) => w.file === 'cpu.shares' || w.file === 'cpu.weight');
  const full = weight && CORE_WEIGHT[weight.file as keyof typeof CORE_WEIGHT];
  if (!weight || !full || Number(weight.value) >= full) return null;
  return { start: { ...weight, value: String(full) }, settle: weight };
}

/** The task's cgroup if it exists under this daemon's roots (left over by an earlier launch). */
export function existingTaskCgroup(roots: CgroupRoots, taskKey: string): TaskCgroup | null {
  const dirs = taskDirs(roots, taskKey);
  return fs.existsSync(dirs.memory) ? new TaskCgroup(dirs, 0) : null;
}

function taskDirs(roots: CgroupRoots, taskKey: string): CgroupRoots {
  const rel = taskCgroupPath(taskKey);
  return {
    mechanism: roots.mechanism,
    cpu: path.join(roots.cpu, rel),
    memory: path.join(roots.memory, rel),
    acct: roots.acct ? path.join(roots.acct, rel) : null,
    net: roots.net ? path.join(roots.net, rel) : null,
  };
}

/**
 * The cgroup a running process of this daemon home is in (an adopted task keeps the cgroup it was
 * started in, even if the new daemon sits elsewhere); null when it is in none of ours.
 */
export function findTaskCgroup(pid: number, daemonHome: string): TaskCgroup | null {
  let mounts;
  let paths;
  try {
    mounts = recentMounts();
    paths = parseProcCgroup(fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8'));
  } catch {
    return null;
  }
  const ours = (ownPattern[daemonHome] ??= new RegExp(`/flotilla/${scopeHash(daemonHome)}/[^/]+/[^/]+$`));
  const unified = mounts.find((m) => m.version === 2);
  const v2Path = paths.get('');
  let dirs: CgroupRoots | null = null;
  const v1 = (controller: string): string | null => {
    const mount = mounts.find((m) => m.version === 1 && m.controllers.includes(controller));
    const p = paths.get(controller);
    return mount && p && ours.test(p) ? cgroupDir(mount, p) : null;
  };
  const [cpu, memory] = [v1('cpu'), v1('memory')];
  const v2 = unified && v2Path && ours.test(v2Path) ? cgroupDir(unified, v2Path) : null;
  // v1 first: a v1 task is also in a v2 directory of ours (its `net`), which holds no limits.
  if (cpu && memory) dirs = { mechanism: 'cgroup-v1', cpu, memory, acct: v1('cpuacct'), net: v2 };
  else if (v2) dirs = { mechanism: 'cgroup-v2', cpu: v2, memory: v2, acct: v2 };
  return dirs ? new TaskCgroup(dirs, readMemLimitMb(dirs)) : null;
}

// A restarted daemon adopts every task at once: the mounts are read once for all of them, not per task.
const MOUNTS_TTL_MS = 1000;
let mountsCache: { at: number; mounts: ReturnType<typeof parseMountinfo> } | undefined;
const ownPattern: Record<string, RegExp> = {};

function recentMounts(): ReturnType<typeof parseMountinfo> {
  const now = Date.now();
  if (!mountsCache || now - mountsCache.at > MOUNTS_TTL_MS) {
    mountsCache = { at: now, mounts: parseMountinfo(fs.readFileSync('/proc/self/mountinfo', 'utf8')) };
  }
  return mountsCache.mounts;
}

function readMemLimitMb(dirs: CgroupRoots): number {
  const file = dirs.mechanism === 'cgroup-v1' ? 'memory.limit_in_bytes' : 'memory.max';
  const bytes = Number(readWords(path.join(dirs.memory, file))[0]);
  // v1 reports "no limit" as a huge page-aligned number, v2 as "max" (NaN here).
  return Number.isFinite(bytes) && bytes < 2 ** 50 ? Math.round(bytes / 2 ** 20) : 0;
}

function ancestor(dir: string, levels: number): string {
  return levels === 0 ? dir : ancestor(path.dirname(dir), levels - 1);
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Gone already.
  }
}
