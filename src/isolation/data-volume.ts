import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { FlotillaError } from '../core/errors.js';
import type { TaskUser } from '../core/identity.js';

const MB = 1024 * 1024;
const TOOLS = ['/usr/sbin/mkfs.ext4', '/usr/sbin/resize2fs', '/usr/sbin/e2fsck', '/usr/sbin/losetup'];

/**
 * A tenant's data folder with a size: a sparse ext4 image (`<volumes>/<tenant>.img`) mounted through
 * a loop device on the folder, so every write of the tenant's tasks, jobs and uploads past the size
 * fails with ENOSPC and touches nothing else. Reserved blocks are 0 (root writes no further than the
 * tenant), the root folder is the tenant's user's; a larger size grows the image and the file system
 * while mounted (resize2fs); the image stays when the daemon stops and is mounted again at its start.
 */
export class DataVolumes {
  constructor(private readonly dir: string) {}

  /** Throws the coded reason when sizes cannot be enforced here. */
  static check(): void {
    if (process.getuid?.() !== 0)
      throw new FlotillaError(
        'DATA_QUOTA_UNAVAILABLE',
        'a data folder size is a file system of its own, which only a daemon run as root can mount',
      );
    const missing = TOOLS.filter((t) => !fs.existsSync(t));
    if (missing.length > 0)
      throw new FlotillaError(
        'DATA_QUOTA_UNAVAILABLE',
        `${missing.join(', ')} missing: apt-get install -y e2fsprogs mount (scripts/setup.sh installs them)`,
      );
  }

  imageOf(tenant: string): string {
    return path.join(this.dir, `${tenant}.img`);
  }

  /** The size the tenant's image has now, in MB, or null when it has none. */
  sizeOf(tenant: string): number | null {
    const st = statOrNull(this.imageOf(tenant));
    return st ? Math.round(st.size / MB) : null;
  }

  /**
   * Gives `target` (the tenant's data folder) a file system of `sizeMb`: made and mounted the first
   * time (what the folder held is copied in), grown when larger, refused when smaller.
   */
  async ensure(tenant: string, target: string, sizeMb: number, owner?: TaskUser): Promise<void> {
    DataVolumes.check();
    const image = this.imageOf(tenant);
    const now = this.sizeOf(tenant);
    if (now !== null && sizeMb < now)
      throw new FlotillaError(
        'DATA_QUOTA_SHRINK',
        `the data folder of ${tenant} is ${now} MB; it cannot become ${sizeMb} MB`,
      );
    if (now !== null) {
      await this.remount(tenant, target);
      if (sizeMb > now) await this.grow(image, target, sizeMb);
      return;
    }
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    fs.mkdirSync(target, { recursive: true, mode: 0o700 });
    const uid = owner?.uid ?? process.getuid!();
    const gid = owner?.gid ?? process.getgid!();
    try {
      fs.writeFileSync(image, '', { mode: 0o600 });
      fs.truncateSync(image, sizeMb * MB);
      await run('/usr/sbin/mkfs.ext4', ['-q', '-F', '-m', '0', '-E', `root_owner=${uid}:${gid}`, image]);
      await this.adopt(image, target, sizeMb);
    } catch (err) {
      fs.rmSync(image, { force: true });
      throw err;
    }
  }

  /** At the daemon's start (or before any change): the image mounted on its folder, if it is not. */
  async remount(tenant: string, target: string): Promise<boolean> {
    const image = this.imageOf(tenant);
    if (!fs.existsSync(image) || mountSource(target) !== null) return false;
    fs.mkdirSync(target, { recursive: true, mode: 0o700 });
    await mount(image, target);
    return true;
  }

  /** The tenant goes: its folder unmounted and its image removed (what was in it goes with it). */
  async remove(tenant: string, target: string): Promise<void> {
    if (mountSource(target) !== null) await unmount(target);
    fs.rmSync(this.imageOf(tenant), { force: true });
  }

  /** What the folder held before it had a size goes into the new file system, then it is mounted. */
  private async adopt(image: string, target: string, sizeMb: number): Promise<void> {
    const held = fs.readdirSync(target);
    if (held.length > 0) {
      const staging = `${image}.mnt`;
      fs.mkdirSync(staging, { recursive: true, mode: 0o700 });
      await mount(image, staging);
      try {
        await run('/bin/cp', ['-a', '--', `${target}/.`, `${staging}/`]);
      } catch (err) {
        const full = String(err).includes('No space left');
        throw full
          ? new FlotillaError(
              'DATA_QUOTA_EXCEEDED',
              `the data folder holds more than ${sizeMb} MB already: give it a larger size, or remove files first`,
            )
          : err;
      } finally {
        await unmount(staging);
        fs.rmdirSync(staging);
      }
      for (const name of held) fs.rmSync(path.join(target, name), { recursive: true, force: true });
    }
    await mount(image, target);
    fs.chmodSync(target, 0o700);
  }

  /**
   * Grows the file system while mounted when the kernel lets us (online resize needs
   * CAP_SYS_RESOURCE, which a container may not grant); else unmounted, checked, grown and mounted
   * again — refused while a task holds a file open there.
   */
  private async grow(image: string, target: string, sizeMb: number): Promise<void> {
    const loop = mountSource(target);
    if (!loop?.startsWith('/dev/loop'))
      throw new FlotillaError(
        'INTERNAL',
        `${target} is not mounted from a loop device (${loop ?? 'not mounted'})`,
      );
    fs.truncateSync(image, sizeMb * MB);
    await run('/usr/sbin/losetup', ['-c', loop]);
    const online = await run('/usr/sbin/resize2fs', [loop]).then(
      () => true,
      () => false,
    );
    if (online) return;
    try {
      await run('/usr/bin/umount', [target]);
    } catch {
      throw new FlotillaError(
        'DATA_QUOTA_UNAVAILABLE',
        `${target} cannot grow while mounted here, and a task holds a file open in it: stop its tasks and jobs, then grow it`,
      );
    }
    try {
      await run('/usr/sbin/e2fsck', ['-f', '-p', image]);
      await run('/usr/sbin/resize2fs', [image]);
    } finally {
      await mount(image, target);
    }
  }
}

async function mount(image: string, target: string): Promise<void> {
  // nosuid, nodev: a tenant's files are data, never a way to more privileges.
  await run('/usr/bin/mount', ['-t', 'ext4', '-o', 'loop,nosuid,nodev', image, target]);
}

async function unmount(target: string): Promise<void> {
  try {
    await run('/usr/bin/umount', [target]);
  } catch {
    // Busy (a process still has a file open there): detached now, freed when it lets go.
    await run('/usr/bin/umount', ['-l', target]);
  }
}

/** The device mounted on `target` (`/dev/loop3`), or null when nothing is mounted there. */
export function mountSource(target: string): string | null {
  const want = path.resolve(target);
  let source: string | null = null;
  for (const m of mounts()) if (m.point === want) source = m.source;
  return source;
}

/** Mount points at or under `dir`, deepest first (the order to unmount them in). */
export function mountsUnder(dir: string): string[] {
  const base = path.resolve(dir);
  return mounts()
    .map((m) => m.point)
    .filter((p) => p === base || p.startsWith(base + path.sep))
    .sort((a, b) => b.length - a.length);
}

/** Unmounts every file system under `dir` (a test home's tenants' data folders). */
export async function unmountUnder(dir: string): Promise<void> {
  for (const point of mountsUnder(dir)) await unmount(point).catch(() => undefined);
}

function mounts(): { point: string; source: string }[] {
  let text: string;
  try {
    text = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const unescape = (s: string) =>
    s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const fields = line.split(' ');
      const dash = fields.indexOf('-');
      return { point: unescape(fields[4] ?? ''), source: unescape(fields[dash + 2] ?? '') };
    });
}

function statOrNull(file: string): fs.Stats | null {
  try {
    return fs.statSync(file);
  } catch {
    return null;
  }
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 120_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${path.basename(cmd)} ${args.join(' ')}: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });
}
