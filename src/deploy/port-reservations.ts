import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Where every home on this machine reserves the ports it hands out (FLOTILLA_PORT_RESERVATIONS). */
export const DEFAULT_RESERVATIONS_DIR = '/tmp/flotilla-ports';

/**
 * Machine-wide port reservations, one file per address:port naming the home that holds it. Probing
 * a port (can I bind it?) cannot keep two homes apart: both probe before either task binds, and
 * both hand the port out. A reservation is made with link(2), which fails if the name exists, so of
 * two homes racing for a port exactly one gets it, and the file is never seen half written.
 *
 * A reservation whose home is gone is stale and reclaimed; reclaiming happens under an flock on
 * the directory, so two reclaimers cannot both remove the stale file and each make their own.
 */
export class PortReservations {
  private readonly home: string;

  constructor(
    private readonly dir: string,
    home: string,
  ) {
    this.home = path.resolve(home);
  }

  /** True when host:port is now (or already was) this home's. */
  take(host: string, port: number): boolean {
    this.ensureDir();
    const file = this.fileOf(host, port);
    if (this.create(file)) return true;
    const owner = readOwner(file);
    if (owner === this.home) return true;
    if (owner === null || !homeGone(owner)) return false;
    return this.reclaim(file);
  }

  /** Gives back every reservation of this home that no task holds (`inUse`: host → ports). */
  keepOnly(inUse: Map<string, Set<number>>): void {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      return;
    }
    for (const name of names) {
      const m = /^(.+)_(\d+)$/.exec(name);
      if (!m || inUse.get(m[1]!)?.has(Number(m[2]))) continue;
      const file = path.join(this.dir, name);
      if (readOwner(file) === this.home) fs.rmSync(file, { force: true });
    }
  }

  private create(file: string): boolean {
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    fs.writeFileSync(tmp, `${this.home}\n`, { mode: 0o644 });
    try {
      fs.linkSync(tmp, file);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }

  private fileOf(host: string, port: number): string {
    return path.join(this.dir, `${host}_${port}`);
  }

  /** World-writable and not sticky: any home (whatever user runs its daemon) may reclaim a stale one. */
  private ensureDir(): void {
    if (fs.existsSync(this.dir)) return;
    fs.mkdirSync(this.dir, { recursive: true });
    try {
      fs.chmodSync(this.dir, 0o777);
    } catch {
      // made by another user a moment ago: theirs to set
    }
  }

  private reclaim(file: string): boolean {
    const fd = fs.openSync(path.join(this.dir, '.lock'), fs.constants.O_RDWR | fs.constants.O_CREAT, 0o666);
    try {
      // Blocking, with a bound: a reclaim is a few file operations.
      const locked = spawnSync('flock', ['--exclusive', '--timeout', '5', '3'], {
        stdio: ['ignore', 'ignore', 'ignore', fd],
      });
      if (locked.status !== 0) return false;
      // Looked at again under the lock: another reclaimer may have taken it meanwhile.
      const owner = readOwner(file);
      if (owner === this.home) return true;
      if (owner !== null && !homeGone(owner)) return false;
      fs.rmSync(file, { force: true });
      return this.create(file);
    } finally {
      fs.closeSync(fd);
    }
  }
}

function readOwner(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8').trim() || null;
  } catch {
    return null;
  }
}

/** Only a home that certainly does not exist: one we may not look into is someone else's, alive. */
function homeGone(home: string): boolean {
  try {
    fs.statSync(home);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
}
