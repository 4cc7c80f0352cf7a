import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Disk full on a task's data directory: a tmpfs just larger than what the directory holds is
 * mounted over it, the data copied in, and the rest of its space taken by a filler file, so the
 * task's next write that needs a block fails with ENOSPC while every other directory of the machine
 * keeps its space. What was there stays reachable through a bind mount (`keep`), and on heal the
 * volume's contents (the filler aside) are copied back there before both are unmounted: what the
 * task wrote before the disk filled is kept.
 *
 * A running process keeps its working directory and open files on the disk it opened them on, so
 * the volume is mounted while the task is down: it is restarted onto the volume, and again off it.
 */
export interface Volume {
  /** The task's data directory, which the volume covers. */
  dir: string;
  /** Where what the directory held stays reachable meanwhile (a bind mount). */
  keep: string;
  sizeBytes: number;
}

export const FILLER = '.flotilla-disk-full';
const HEADROOM = 1 << 20;

/** The tmpfs's name in /proc/self/mountinfo: what a later daemon finds and a test asserts gone. */
export function volumeSource(homeId: string, faultId: string): string {
  return `flotilla-fault-${homeId}-${faultId}`;
}

export function volumeFor(sandbox: string, faultId: string): Volume {
  return { dir: path.join(sandbox, 'data'), keep: path.join(sandbox, `fault-${faultId}-keep`), sizeBytes: 0 };
}

/** Mounts, fills, and returns the volume's size; nothing when it is mounted already (a relaunch). */
export function mountVolume(v: Volume, source: string): Volume {
  if (mountsOf(source).includes(v.dir)) return v;
  fs.mkdirSync(v.dir, { recursive: true });
  fs.mkdirSync(v.keep, { recursive: true, mode: 0o700 });
  const st = fs.statSync(v.dir);
  const sizeBytes = Math.ceil((usedBytes(v.dir) + HEADROOM) / 4096) * 4096;
  execFileSync('mount', ['--bind', v.dir, v.keep]);
  try {
    const mode = (st.mode & 0o7777).toString(8);
    const opts = `size=${sizeBytes},mode=${mode},uid=${st.uid},gid=${st.gid}`;
    execFileSync('mount', ['-t', 'tmpfs', '-o', opts, source, v.dir]);
    execFileSync('cp', ['-a', `${v.keep}/.`, `${v.dir}/`]);
    fill(path.join(v.dir, FILLER));
  } catch (err) {
    unmountVolume(v, source);
    throw err;
  }
  return { ...v, sizeBytes };
}

/** Copies the volume back over what it covered, and unmounts both. Safe when nothing is mounted. */
export function unmountVolume(v: Volume, source: string): void {
  const mounted = mountsOf(source).includes(v.dir);
  if (mounted && isMountpoint(v.keep)) {
    fs.rmSync(path.join(v.dir, FILLER), { force: true });
    execFileSync('cp', ['-a', `${v.dir}/.`, `${v.keep}/`]);
    prune(v.keep, v.dir);
  }
  // Lazily: a stopped task may still hold files on the volume; it is gone once they are closed.
  if (mounted) spawnSync('umount', ['-l', v.dir], { stdio: 'ignore' });
  if (isMountpoint(v.keep)) spawnSync('umount', [v.keep], { stdio: 'ignore' });
  try {
    fs.rmdirSync(v.keep);
  } catch {
    // Gone already.
  }
}

/** Mount points of volumes whose source starts with `source` (a home's prefix, or one fault's name). */
export function mountsOf(source: string): string[] {
  return mountTable()
    .filter((m) => m.source.startsWith(source))
    .map((m) => m.point);
}

function isMountpoint(dir: string): boolean {
  return mountTable().some((m) => m.point === dir);
}

/** /proc/self/mountinfo as mount points and sources (`<id> <parent> <dev> <root> <point> … - <type> <source> …`). */
function mountTable(): { point: string; source: string }[] {
  const out: { point: string; source: string }[] = [];
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [head, tail] = line.split(' - ');
    const point = head?.split(' ')[4];
    const source = tail?.split(' ')[1];
    if (point !== undefined && source !== undefined) out.push({ point: unescape(point), source });
  }
  return out;
}

/** mountinfo writes a space, tab, newline and backslash in octal. */
function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

function usedBytes(dir: string): number {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += 4096 + usedBytes(p);
    else total += Math.ceil(fs.lstatSync(p).size / 4096) * 4096 + 4096;
  }
  return total;
}

/** Writes zeros until the volume refuses (ENOSPC): the task gets no block more. */
function fill(file: string): void {
  const fd = fs.openSync(file, 'w', 0o444);
  const chunk = Buffer.alloc(1 << 16);
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
    // What is left is smaller than 64 KiB: smaller and smaller writes until not one block is free.
    for (let n = 1 << 15; n >= 512; n >>= 1) while (tryWrite(fd, chunk.subarray(0, n)));
  } finally {
    fs.closeSync(fd);
  }
}

function tryWrite(fd: number, b: Buffer): boolean {
  try {
    fs.writeSync(fd, b);
    return true;
  } catch {
    return false;
  }
}

/** Removes what `keep` has that `volume` no longer has (the task deleted it meanwhile). */
function prune(keep: string, volume: string): void {
  for (const e of fs.readdirSync(keep, { withFileTypes: true })) {
    const there = path.join(volume, e.name);
    const here = path.join(keep, e.name);
    if (!fs.existsSync(there)) fs.rmSync(here, { recursive: true, force: true });
    else if (e.isDirectory() && fs.lstatSync(there).isDirectory()) prune(here, there);
  }
}
