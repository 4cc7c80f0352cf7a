import fs from 'node:fs';
import path from 'node:path';
import type { TaskUser } from '../../core/identity.js';

/** util-linux's setpriv: switches user and drops privileges in the one exec before the task's program. */
export const SETPRIV = '/usr/bin/setpriv';

/** The PATH of a task that runs as a tenant's user and names none: the system's, nobody's home folder. */
export const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * `argv` run as `user` with nothing of root left: its uid and gid, no supplementary group, no
 * capability (none inheritable, an empty bounding set), and no_new_privs, so that no setuid program
 * (sudo, su, mount) can give any back.
 */
export function asUser(user: TaskUser, argv: string[]): string[] {
  return [
    SETPRIV,
    `--reuid=${user.uid}`,
    `--regid=${user.gid}`,
    '--clear-groups',
    '--no-new-privs',
    '--inh-caps=-all',
    '--bounding-set=-all',
    '--',
    ...argv,
  ];
}

/**
 * The sandbox of a task that runs as a tenant's user: the sandbox itself, data/ and logs/ (with the
 * output files) are the user's, mode 0700/0600; run/ (the exit FIFO and the daemon's launch record)
 * stays the daemon's. Data written before isolation changes hands once, with the folder.
 */
export function ownSandbox(sandbox: string, user: TaskUser): void {
  for (const dir of [sandbox, path.join(sandbox, 'data'), path.join(sandbox, 'logs')]) {
    const st = fs.statSync(dir);
    if (st.uid !== user.uid) chownTree(dir, user, dir === sandbox ? ['run'] : []);
  }
  for (const file of ['stdout', 'stderr']) {
    const f = path.join(sandbox, 'logs', file);
    fs.closeSync(fs.openSync(f, 'a', 0o600));
    fs.chownSync(f, user.uid, user.gid);
  }
  fs.chmodSync(path.join(sandbox, 'run'), 0o700);
}

/** Gives a file or folder and everything under it (but `skip`) to the user; group and others lose access. */
export function chownTree(target: string, user: TaskUser, skip: string[] = []): void {
  const st = fs.lstatSync(target);
  if (st.isSymbolicLink()) return;
  fs.chownSync(target, user.uid, user.gid);
  fs.chmodSync(target, st.mode & 0o700);
  if (!st.isDirectory()) return;
  for (const entry of fs.readdirSync(target))
    if (!skip.includes(entry)) chownTree(path.join(target, entry), user);
}

/** The uid and gid a process runs as, from /proc (for a task adopted after a daemon restart). */
export function processUser(pid: number): { uid: number; gid: number } | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const uid = /^Uid:\s+(\d+)/m.exec(status)?.[1];
    const gid = /^Gid:\s+(\d+)/m.exec(status)?.[1];
    return uid && gid ? { uid: Number(uid), gid: Number(gid) } : null;
  } catch {
    return null;
  }
}
