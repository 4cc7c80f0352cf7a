import fs from 'node:fs';
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
