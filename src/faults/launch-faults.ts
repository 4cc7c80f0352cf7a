import fs from 'node:fs';
import path from 'node:path';
import { FlotillaError } from '../core/errors.js';
import type { FaultApplied, FaultRecord, FaultRequest } from '../core/fault.js';
import { taskKey } from '../core/keys.js';
import type { TaskRecord } from '../core/task.js';
import { clockEnv, fakeTimeLibrary } from './clock.js';
import { mountsOf, mountVolume, unmountVolume, volumeFor, volumeSource } from './disk.js';
import {
  BLKIO_ROOT,
  blkioDirOf,
  hasBlkio,
  blockDeviceOf,
  containerBlkioDir,
  createThrottle,
  enterThrottle,
  removeThrottle,
  setThrottle,
  throttlesOf,
} from './slow-disk.js';
import { inContainer } from './targets.js';

/** What clock and disk faults need of the daemon. */
export interface LaunchFaultDeps {
  faults: { listActive(): FaultRecord[]; put(f: FaultRecord): void };
  tasks: { get(tenant: string, id: string): TaskRecord | null };
  signal(taskKey: string, signal: NodeJS.Signals): Promise<void>;
  /** Stops the task as a plan would and has the supervisor launch it again (through beforeLaunch). */
  restart(tenant: string, taskId: string): Promise<void>;
  homeId: string;
  log: (msg: string) => void;
  /** The tenant's own Unix user when tenants are isolated (its tasks run as it). */
  userOf?(tenant: string): { uid: number } | undefined;
  /** Every live process of a process task (its group, and its cgroup's members that left it). */
  processesOf?(taskKey: string): number[];
}

/**
 * Faults that take hold when a task launches: clock skew (libfaketime preloaded) and disk full (a
 * full volume over its data directory). Injecting one restarts its task; so does healing it. A slow
 * disk lives here too, as it follows the task's processes: it takes hold without a restart.
 */
export class LaunchFaults {
  /** Faults being healed: a relaunch meanwhile must not apply them again. */
  private readonly healing = new Set<string>();
  /** Per clock fault, the pids that ran with libfaketime: each leaves its shared memory behind. */
  private readonly skewed = new Map<string, Set<number>>();
  /** Tenants whose tasks this daemon skewed: their users' libfaketime leftovers are swept. */
  private readonly skewedTenants = new Set<string>();

  constructor(private readonly d: LaunchFaultDeps) {}

  /** What the fault will apply, checked before anything changes; `picked` are running tasks. */
  plan(req: FaultRequest, picked: TaskRecord[], id: string): FaultApplied {
    for (const t of picked)
      if (inContainer(t) && req.kind === 'clock')
        throw new FlotillaError(
          'FAULT_UNSUPPORTED',
          `${t.id} runs in a container: clock skew reaches process tasks only in this release (docs/failure-lab.md)`,
        );
    const restarted = picked.map((t) => taskKey(t.tenant, t.id));
    if (req.kind === 'clock') {
      for (const t of picked) this.skewedTenants.add(t.tenant);
      const lib = fakeTimeLibrary();
      if (!lib)
        throw new FlotillaError(
          'FAULT_UNSUPPORTED',
          'clock skew needs libfaketime, which is not installed here (apt-get install libfaketime; scripts/setup.sh does)',
        );
      return {
        mechanism: `libfaketime (${lib}) preloaded at the task's next start: the task is restarted; a static binary or a container is not skewed`,
        restarted,
      };
    }
    if (picked.length !== 1)
      throw new FlotillaError(
        'FAULT_INVALID',
        'tasks: a disk fault fills one task\'s data directory: name one task (or a service with pick "one" or "random")',
        { field: 'tasks' },
      );
    const sandbox = picked[0]!.handle?.sandbox;
    if (!sandbox)
      throw new FlotillaError('FAULT_INVALID', `${picked[0]!.id} does not run now: nothing to fill`);
    if (req.mode === 'slow') return this.planSlow(picked[0]!, sandbox, id);
    return {
      mechanism:
        'a full tmpfs over the task data directory (its data copied in and back); the task is restarted onto it',
      volume: volumeFor(sandbox, id),
      restarted,
    };
  }

  private planSlow(t: TaskRecord, sandbox: string, id: string): FaultApplied {
    if (!hasBlkio() || !this.d.processesOf)
      throw new FlotillaError(
        'FAULT_UNSUPPORTED',
        `a slow disk needs the cgroup v1 blkio controller (${BLKIO_ROOT}), which this host does not have`,
      );
    const data = path.join(sandbox, 'data');
    const device = blockDeviceOf(fs.existsSync(data) ? data : sandbox);
    if (!device)
      throw new FlotillaError(
        'FAULT_UNSUPPORTED',
        `${t.id}: its data directory is on no block device (tmpfs, overlay or a network file system): nothing to slow`,
      );
    const slows = 'direct, synced and uncached I/O slows, the page cache does not; no restart';
    if (inContainer(t)) {
      const dir = containerBlkioDir(t.handle!.pid, t.handle!.containerId ?? '');
      if (!dir)
        throw new FlotillaError('FAULT_UNSUPPORTED', `${t.id}: its container's blkio cgroup was not found`);
      return {
        mechanism: `the container's own blkio cgroup throttled on disk ${device} (reads and writes each); ${slows}`,
        blkio: { dir, device, container: true },
      };
    }
    return {
      mechanism: `its processes in a blkio cgroup throttled on disk ${device} (reads and writes each); ${slows}`,
      blkio: { dir: blkioDirOf(this.d.homeId, id), device },
    };
  }

  /** Restarts the fault's tasks so that it takes hold (the record is stored already); a slow disk needs none. */
  async apply(f: FaultRecord): Promise<void> {
    const blkio = f.applied.blkio;
    if (blkio) {
      try {
        if (blkio.container) setThrottle(blkio.dir, blkio.device, throttleRate(f));
        else {
          createThrottle(blkio.dir, blkio.device, throttleRate(f));
          for (const t of f.targets)
            enterThrottle(blkio.dir, this.d.processesOf?.(taskKey(f.tenant, t)) ?? []);
        }
      } catch (err) {
        undoThrottle(blkio);
        throw new FlotillaError('FAULT_UNSUPPORTED', `the kernel refused the disk throttle: ${String(err)}`);
      }
      return;
    }
    for (const t of f.targets) await this.d.restart(f.tenant, t);
  }

  /** The supervisor is about to launch `t`: its active faults' volume mounted, their env returned. */
  beforeLaunch(t: TaskRecord): Record<string, string> {
    const env: Record<string, string> = {};
    for (const f of this.d.faults.listActive()) {
      if (f.tenant !== t.tenant || !f.targets.includes(t.id) || this.healing.has(f.id)) continue;
      const lib = fakeTimeLibrary();
      if (f.kind === 'clock' && lib) Object.assign(env, clockEnv(lib, f.request.offsetS ?? 0));
      if (f.kind === 'disk' && f.applied.volume) {
        try {
          const v = mountVolume(f.applied.volume, volumeSource(this.d.homeId, f.id));
          if (v.sizeBytes !== f.applied.volume.sizeBytes)
            this.d.faults.put({ ...f, applied: { ...f.applied, volume: v } });
        } catch (err) {
          this.d.log(
            `fault ${f.id}: could not mount the volume over ${f.applied.volume.dir}: ${String(err)}`,
          );
        }
      }
    }
    return env;
  }

  /** Undoes the fault on its tasks: a disk's data copied back, and the task restarted off the volume. */
  async heal(f: FaultRecord): Promise<void> {
    // Kept: the record says healed only once this returns, and a relaunch may come before.
    this.healing.add(f.id);
    {
      const v = f.applied.volume;
      if (f.kind === 'disk' && v) {
        const keys = f.applied.restarted ?? [];
        // Stopped while its data is copied back: nothing it writes meanwhile is lost.
        for (const k of keys) await this.d.signal(k, 'SIGSTOP').catch(() => undefined);
        const mounted = mountsOf(volumeSource(this.d.homeId, f.id)).length > 0;
        unmountVolume(v, volumeSource(this.d.homeId, f.id));
        // Killed, as a crash: a graceful stop would write to the volume just copied back.
        if (mounted) for (const k of keys) await this.d.signal(k, 'SIGKILL').catch(() => undefined);
        else for (const k of keys) await this.d.signal(k, 'SIGCONT').catch(() => undefined);
      } else if (f.applied.blkio) {
        undoThrottle(f.applied.blkio);
      } else if (f.kind === 'clock') {
        for (const t of f.targets) this.noteLaunch(f.tenant, t);
        for (const t of f.targets)
          await this.d.restart(f.tenant, t).catch((e) => this.d.log(`fault ${f.id}: ${String(e)}`));
        for (const pid of this.skewed.get(f.id) ?? []) removeFakeTimeState(pid);
        this.skewed.delete(f.id);
        this.sweep(f.tenant);
      }
    }
  }

  /**
   * libfaketime state of processes that are gone, owned by the tenant's own user (only Flotilla's
   * tasks run as it, and only a clock fault preloads the library): what a launch still under way at
   * heal time, or a task stopped with the daemon, left. Every skewed tenant's without `tenant`.
   */
  sweep(tenant?: string): void {
    for (const t of tenant ? [tenant] : this.skewedTenants) {
      const uid = this.d.userOf?.(t)?.uid;
      if (uid !== undefined && uid !== 0) for (const pid of fakeTimePidsOf(uid)) removeFakeTimeState(pid);
    }
  }

  /**
   * A task launched: if it runs skewed, its pid is remembered (its libfaketime state goes at heal);
   * if its disk is slow, its new processes are throttled too.
   */
  noteLaunch(tenant: string, taskId: string): void {
    const pid = this.d.tasks.get(tenant, taskId)?.handle?.pid ?? 0;
    if (pid <= 0) return;
    for (const f of this.d.faults.listActive()) {
      if (f.tenant !== tenant || !f.targets.includes(taskId)) continue;
      if (f.kind === 'clock') this.skewed.set(f.id, (this.skewed.get(f.id) ?? new Set()).add(pid));
      const blkio = f.applied.blkio;
      if (blkio && !this.healing.has(f.id))
        try {
          if (blkio.container) {
            // A new container, a new cgroup: throttled, and recorded for the heal.
            const t = this.d.tasks.get(tenant, taskId)!;
            const dir = containerBlkioDir(pid, t.handle?.containerId ?? '');
            if (!dir) throw new Error('its container has no blkio cgroup');
            setThrottle(dir, blkio.device, throttleRate(f));
            this.d.faults.put({ ...f, applied: { ...f.applied, blkio: { ...blkio, dir } } });
          } else enterThrottle(blkio.dir, this.d.processesOf?.(taskKey(tenant, taskId)) ?? [pid]);
        } catch (err) {
          this.d.log(`fault ${f.id}: could not slow ${taskId}'s disk again: ${String(err)}`);
        }
    }
  }

  /** Volumes and throttles of this home that no active fault owns (a daemon killed mid-fault): gone. */
  strays(active: FaultRecord[]): void {
    const throttled = new Set(active.map((f) => f.applied.blkio?.dir));
    for (const dir of throttlesOf(this.d.homeId)) if (!throttled.has(dir)) removeThrottle(dir);
    const owned = new Set(active.map((f) => f.applied.volume?.dir));
    for (const dir of mountsOf(volumeSource(this.d.homeId, '')))
      if (!owned.has(dir))
        unmountVolume({ dir, keep: `${dir}.none`, sizeBytes: 0 }, volumeSource(this.d.homeId, ''));
  }
}

/** A slow disk's rate, as the throttle files take it (bytes a second). */
const throttleRate = (f: FaultRecord) => (f.request.rateKBps ?? 0) * 1024;

/** A slow disk's throttle goes: the fault's cgroup removed, or a container's set back to none. */
function undoThrottle(blkio: NonNullable<FaultApplied['blkio']>): void {
  if (!blkio.container) return removeThrottle(blkio.dir);
  try {
    setThrottle(blkio.dir, blkio.device, 0);
  } catch {
    // The container is gone, and its cgroup with it.
  }
}

/**
 * libfaketime keeps a semaphore and a shared memory segment per process tree, named by its first
 * process's pid, and leaves them when that process is killed: they go once the process is gone.
 */
function removeFakeTimeState(pid: number): void {
  try {
    process.kill(pid, 0);
    return;
  } catch {
    // Gone: its state can go.
  }
  fs.rmSync(`/dev/shm/faketime_shm_${pid}`, { force: true });
  fs.rmSync(`/dev/shm/sem.faketime_sem_${pid}`, { force: true });
}

/** Pids named by libfaketime state in /dev/shm that belongs to `uid`. */
function fakeTimePidsOf(uid: number): number[] {
  const pids: number[] = [];
  let names: string[] = [];
  try {
    names = fs.readdirSync('/dev/shm');
  } catch {
    return [];
  }
  for (const name of names) {
    const m = /^(?:faketime_shm_|sem\.faketime_sem_)(\d+)$/.exec(name);
    if (!m) continue;
    try {
      if (fs.statSync(`/dev/shm/${name}`).uid === uid) pids.push(Number(m[1]));
    } catch {
      // Gone meanwhile.
    }
  }
  return [...new Set(pids)];
}
