import fs from 'node:fs';
import path from 'node:path';
import { FlotillaError } from '../core/errors.js';
import type { TaskUser } from '../core/identity.js';
import { tenantDataPath, type Paths } from '../core/paths.js';
import { chownTree } from '../drivers/ownership.js';

/**
 * The home's modes when tenants are isolated: tasks may pass through the home to their own sandbox
 * and data folder (0711: no listing), read the shared jars and runtimes (0755, never writable), and
 * nothing else: the database, the tokens and the daemon's logs are the daemon's alone.
 */
export function secureHome(paths: Paths): void {
  checkTraversable(paths.home);
  const modes: [string, number][] = [
    [paths.home, 0o711],
    [path.dirname(paths.db), 0o700],
    [paths.logs, 0o700],
    [paths.sandboxes, 0o711],
    [paths.data, 0o711],
    [paths.jobs, 0o711],
  ];
  for (const [dir, mode] of modes) {
    fs.mkdirSync(dir, { recursive: true });
    fs.chmodSync(dir, mode);
  }
  for (const file of ['admin.token', 'daemon.json', 'daemon.lock']) {
    const f = path.join(paths.home, file);
    if (fs.existsSync(f)) fs.chmodSync(f, 0o600);
  }
  if (fs.existsSync(paths.artifacts)) fs.chmodSync(paths.artifacts, 0o755);
}

/** A tenant's own folders (its sandboxes, data and jobs), owned by its user, closed to every other. */
export function ownTenantFolders(paths: Paths, tenant: string, user: TaskUser): void {
  for (const dir of [
    path.join(paths.sandboxes, tenant),
    tenantDataPath(paths, tenant),
    path.join(paths.jobs, tenant),
  ]) {
    fs.mkdirSync(dir, { recursive: true });
    const st = fs.statSync(dir);
    // A folder made before isolation (or by root) changes hands once, with everything in it.
    if (st.uid !== user.uid) chownTree(dir, user);
    fs.chmodSync(dir, 0o700);
  }
}

/**
 * Tasks reach their sandbox through the home's path: every folder above it must let others pass.
 * A home in root's 0700 home folder (the default ~/.flotilla of root) cannot isolate anyone.
 */
function checkTraversable(home: string): void {
  for (let dir = path.dirname(path.resolve(home)); ; dir = path.dirname(dir)) {
    const st = fs.statSync(dir);
    if ((st.mode & 0o001) === 0)
      throw new FlotillaError(
        'ISOLATION_FAILED',
        `${dir} does not let other users pass (mode ${(st.mode & 0o777).toString(8)}), so tenants' tasks ` +
          `could not reach their sandboxes in ${home}: put FLOTILLA_HOME elsewhere (/var/lib/flotilla is ` +
          `the default for root), or set FLOTILLA_ISOLATION=none`,
      );
    if (dir === path.dirname(dir)) return;
  }
}
