import fs from 'node:fs';
import path from 'node:path';
import type { TaskUser } from '../core/identity.js';

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
