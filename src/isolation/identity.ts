import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { FlotillaError } from '../core/errors.js';
import type { TaskUser } from '../core/identity.js';

/**
 * 'users': the daemon runs as root, and every tenant's tasks run as a Unix user and group of their
 * own. 'none': every task runs as the daemon's user — right for one person on a laptop, and the only
 * choice for a daemon that is not root.
 */
export type IsolationMode = 'users' | 'none';

/** Where tenant users' uids and gids come from unless FLOTILLA_UID_RANGE says otherwise. */
export const DEFAULT_UID_RANGE: [number, number] = [200_000, 299_999];

const PASSWD = '/etc/passwd';
const GROUP = '/etc/group';
const run = promisify(execFile);
const NOLOGIN = fs.existsSync('/usr/sbin/nologin') ? '/usr/sbin/nologin' : '/bin/false';

/**
 * The Unix identities of one home's tenants. A user is named `flt-<tenant>-<home>` (`<home>` five
 * hex digits of the home's path, so that two homes on one machine never share a user), has a group
 * of its own with the same number, no supplementary groups, no home and no login shell, and says in
 * its comment which home and tenant it belongs to, so that a home's users can be found and removed.
 */
export class Identities {
  private readonly cache = new Map<string, TaskUser>();
  private readonly creating = new Map<string, Promise<TaskUser | undefined>>();
  private readonly homeId: string;

  constructor(
    readonly mode: IsolationMode,
    private readonly home: string,
    private readonly range: [number, number] = DEFAULT_UID_RANGE,
  ) {
    this.homeId = homeIdOf(home);
  }

  /** The user a tenant's tasks run as; undefined without isolation. */
  userOf(tenant: string): TaskUser | undefined {
    if (this.mode === 'none') return undefined;
    const cached = this.cache.get(tenant);
    if (cached) return cached;
    const found = readUsers().find((u) => u.name === this.nameOf(tenant));
    if (found) this.cache.set(tenant, found);
    return found;
  }

  /**
   * Creates the tenant's user and group when missing; returns it (undefined without isolation).
   * groupadd and useradd take tens of milliseconds: they run beside the daemon's loop, not in it.
   */
  async ensure(tenant: string): Promise<TaskUser | undefined> {
    if (this.mode === 'none') return undefined;
    const existing = this.userOf(tenant);
    if (existing) return existing;
    // One creation per tenant at a time: a second caller meanwhile (the daemon's start and a first
    // launch) would take the first one's new group for an orphan and delete it.
    let creating = this.creating.get(tenant);
    if (!creating) {
      creating = this.create(tenant).finally(() => this.creating.delete(tenant));
      this.creating.set(tenant, creating);
    }
    return creating;
  }

  private async create(tenant: string): Promise<TaskUser | undefined> {
    return underUsersLock(() => this.createLocked(tenant));
  }

  private async createLocked(tenant: string): Promise<TaskUser | undefined> {
    const name = this.nameOf(tenant);
    const found = this.userOf(tenant);
    if (found) return found;
    for (let attempt = 0; attempt < 20; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 20 + Math.random() * 80));
      const id = freeId(this.range);
      // A group of that name without its user is what an attempt left when its groupdel failed, or
      // a daemon killed between groupadd and useradd: it goes before this attempt.
      if (hasEntry(GROUP, name) && !this.userOf(tenant)) await run('groupdel', [name]).catch(() => undefined);
      try {
        await run('groupadd', ['--gid', String(id), name]);
        try {
          await run('useradd', [
            ...['--uid', String(id), '--gid', String(id), '--no-create-home', '--no-user-group'],
            ...['--home-dir', '/nonexistent', '--shell', NOLOGIN],
            ...['--comment', `${COMMENT} ${this.homeId} ${tenant}`, name],
          ]);
        } catch (err) {
          // The useradd's own error is the one to report; a failed groupdel is retried above.
          await run('groupdel', [name]).catch(() => undefined);
          throw err;
        }
        const user = { uid: id, gid: id, name };
        this.cache.set(tenant, user);
        return user;
      } catch (err) {
        // Something other than a Flotilla daemon took the number, or holds /etc/passwd's lock: again.
        const stderr = String((err as { stderr?: string }).stderr ?? err);
        if (/already exists/.test(stderr) && this.userOf(tenant)) return this.userOf(tenant);
        if (attempt === 19)
          throw new FlotillaError('ISOLATION_FAILED', `could not create the user ${name}: ${stderr.trim()}`);
      }
    }
    return undefined;
  }

  /** Removes the tenant's user and group. */
  async remove(tenant: string): Promise<void> {
    if (this.mode === 'none') return;
    this.cache.delete(tenant);
    await underUsersLock(() => removeUser(this.nameOf(tenant)));
  }

  /** `flt-<tenant>-<home>`, at most 32 characters (a long tenant name is cut and hashed). */
  nameOf(tenant: string): string {
    const short =
      tenant.length <= 20
        ? tenant
        : `${tenant.slice(0, 13)}${createHash('sha256').update(tenant).digest('hex').slice(0, 7)}`;
    return `flt-${short}-${this.homeId}`;
  }
}

const COMMENT = 'flotilla';

/** Five hex digits of a home's absolute path: tells one home's users from another's. */
export function homeIdOf(home: string): string {
  return createHash('sha256').update(path.resolve(home)).digest('hex').slice(0, 5);
}

/** Removes every user one home made: a home's tests clean up with it. */
export async function removeHomeUsers(home: string): Promise<string[]> {
  const id = homeIdOf(home);
  return underUsersLock(async () => {
    const mine = readUsers().filter((u) => u.comment.startsWith(`${COMMENT} ${id} `));
    for (const u of mine) await removeUser(u.name);
    return mine.map((u) => u.name);
  });
}

/** The machine-wide lock every home's daemon takes to add or remove users (see underUsersLock). */
const USERS_LOCK = fs.existsSync('/run/lock')
  ? '/run/lock/flotilla-users.lock'
  : path.join(os.tmpdir(), 'flotilla-users.lock');

/**
 * Runs `fn` holding an exclusive flock(2) on USERS_LOCK. Daemons of several homes adding users at
 * once otherwise fight over /etc/passwd's and /etc/group's own locks: a useradd refused between a
 * groupadd and its groupdel leaves a group without its user, and twenty quick attempts can all lose
 * (CI, three homes starting at once). The `flock` program takes the lock on our open file (fd 3)
 * and exits; the lock is ours until we close the file, and the kernel's if we die.
 */
async function underUsersLock<T>(fn: () => Promise<T>): Promise<T> {
  const fd = fs.openSync(USERS_LOCK, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn('flock', ['--exclusive', '--timeout', '60', '3'], {
        stdio: ['ignore', 'ignore', 'ignore', fd],
      });
      child.on('error', reject);
      child.on('exit', resolve);
    });
    if (code !== 0)
      throw new FlotillaError(
        'ISOLATION_FAILED',
        `could not lock ${USERS_LOCK} within 60 s (flock exit code ${code})`,
      );
    return await fn();
  } finally {
    fs.closeSync(fd);
  }
}

/** Whether /etc/passwd or /etc/group has an entry of that name. */
function hasEntry(file: string, name: string): boolean {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .some((l) => l.startsWith(`${name}:`));
}

async function removeUser(name: string): Promise<void> {
  // A JVM that ran as the user left its performance-data folder in the temp dir (hsperfdata_<user>).
  fs.rmSync(path.join(os.tmpdir(), `hsperfdata_${name}`), { recursive: true, force: true });
  for (const [cmd, file] of [
    ['userdel', PASSWD],
    ['groupdel', GROUP],
  ] as const) {
    if (hasEntry(file, name)) await run(cmd, [name]);
  }
}

function readUsers(): (TaskUser & { comment: string })[] {
  return fs
    .readFileSync(PASSWD, 'utf8')
    .split('\n')
    .map((line) => line.split(':'))
    .filter((f) => f.length >= 7)
    .map((f) => ({ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), comment: f[4]! }));
}

/** The lowest number of the range that is neither a uid nor a gid yet. */
function freeId([lo, hi]: [number, number]): number {
  const taken = new Set<number>();
  for (const file of [PASSWD, GROUP])
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) taken.add(Number(line.split(':')[2]));
  for (let id = lo; id <= hi; id++) if (!taken.has(id)) return id;
  throw new FlotillaError('ISOLATION_FAILED', `no free uid and gid left in ${lo}-${hi} (FLOTILLA_UID_RANGE)`);
}
