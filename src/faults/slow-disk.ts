import fs from 'node:fs';
import path from 'node:path';

/**
 * A slow disk under a task's data directory: the task's processes go into a blkio cgroup of the
 * fault's own (cgroup v1), throttled on the block device that holds the directory, reads and writes
 * each at the rate asked. What the throttle reaches is the IO the task makes the disk do: direct
 * I/O, writes it syncs (fsync, fdatasync: a database's log), and reads the page cache cannot answer.
 * Writes the kernel flushes later on its own are not slowed (v1 charges them to nobody). Other
 * tasks, and every other program on the same disk, keep their pace. The task is not restarted: the
 * throttle takes hold at once and goes at heal; processes the task starts later inherit it. A
 * container has a blkio cgroup of its own already: the throttle is written there instead.
 */

/** Where the v1 blkio hierarchy is mounted; cgroup v2 hosts have no such directory. */
export const BLKIO_ROOT = '/sys/fs/cgroup/blkio';
/** Whether this host can slow a disk: the cgroup v1 blkio hierarchy is mounted. */
export function hasBlkio(): boolean {
  return fs.existsSync(BLKIO_ROOT);
}

const THROTTLES = ['blkio.throttle.read_bps_device', 'blkio.throttle.write_bps_device'];

/** The fault's cgroup directory: a later daemon of the home finds what an earlier one left by it. */
export function blkioDirOf(homeId: string, faultId: string): string {
  return path.join(BLKIO_ROOT, `flotilla-fault-${homeId}-${faultId}`);
}

/**
 * The whole disk (`major:minor`) that holds `dir`, as the throttle names it (a partition's disk);
 * null where the directory is on no block device (tmpfs, overlay, a network file system).
 */
export function blockDeviceOf(dir: string): string | null {
  const dev = fs.statSync(dir, { bigint: true }).dev;
  const major = Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn));
  const minor = Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn));
  const sys = `/sys/dev/block/${major}:${minor}`;
  if (!fs.existsSync(sys)) return null;
  const disk = fs.existsSync(path.join(sys, 'partition')) ? path.join(sys, '..') : sys;
  return fs.readFileSync(path.join(disk, 'dev'), 'utf8').trim();
}

/** Makes the fault's cgroup with its throttle, before any process goes into it. */
export function createThrottle(dir: string, device: string, bytesPerSecond: number): void {
  fs.mkdirSync(dir, { recursive: true });
  setThrottle(dir, device, bytesPerSecond);
}

/** The cgroup's reads and writes on the disk, each at the rate; 0: no throttle on it any more. */
export function setThrottle(dir: string, device: string, bytesPerSecond: number): void {
  for (const file of THROTTLES) fs.writeFileSync(path.join(dir, file), `${device} ${bytesPerSecond}`);
}

/**
 * A container's own blkio cgroup (the engine made it, one per container: `docker/<id>`, or
 * `system.slice/docker-<id>.scope`), from its init's `/proc/<pid>/cgroup`; null when the process is
 * gone or its cgroup does not name the container (never a shared one: a throttle there would slow
 * others).
 */
export function containerBlkioDir(pid: number, containerId: string): string | null {
  try {
    const line = fs
      .readFileSync(`/proc/${pid}/cgroup`, 'utf8')
      .split('\n')
      .find((l) => /^\d+:([^:]*,)?blkio(,[^:]*)?:/.test(l));
    const rel = line?.slice(line.indexOf(':', line.indexOf(':') + 1) + 1) ?? '';
    return rel.includes(containerId) && !rel.includes('..') ? path.join(BLKIO_ROOT, rel) : null;
  } catch {
    return null;
  }
}

/** Moves the processes into the cgroup (a process that exited meanwhile is skipped). */
export function enterThrottle(dir: string, pids: number[]): void {
  for (const pid of pids) {
    try {
      fs.writeFileSync(path.join(dir, 'cgroup.procs'), String(pid));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }
}

/** Moves every process back to the hierarchy's root and removes the cgroup; safe when it is gone. */
export function removeThrottle(dir: string): void {
  if (!fs.existsSync(dir)) return;
  for (let attempt = 0; attempt < 50; attempt++) {
    let pids: string[] = [];
    try {
      pids = fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean);
    } catch {
      return;
    }
    enterThrottle(BLKIO_ROOT, pids.map(Number));
    try {
      fs.rmdirSync(dir);
      return;
    } catch {
      // A process forked while it was being moved: move again.
    }
  }
}

/** The home's throttle cgroups (what a daemon killed mid-fault left). */
export function throttlesOf(homeId: string): string[] {
  const prefix = path.basename(blkioDirOf(homeId, ''));
  try {
    return fs
      .readdirSync(BLKIO_ROOT)
      .filter((n) => n.startsWith(prefix))
      .map((n) => path.join(BLKIO_ROOT, n));
  } catch {
    return [];
  }
}
