import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { dataPathSegments, RESERVED_NAMES, UPLOAD_PREFIX } from '../core/data-path.js';
import type { DataEntryView, DataFolderView, DataUploadView } from '../core/data-schemas.js';
import { FlotillaError } from '../core/errors.js';
import type { TaskUser } from '../core/identity.js';
import { LIMITS, formatBytes } from '../core/limits.js';
import { tenantDataPath, type Paths } from '../core/paths.js';
import { DataVolumes } from '../isolation/data-volume.js';
import type { Store } from '../state/store.js';
import { writeAsUser } from './data-upload.js';

export interface DataFoldersDeps {
  paths: Paths;
  store: Store;
  /** The Unix user a tenant's files belong to, when tenants are isolated. */
  userOf(tenant: string): TaskUser | undefined;
  log(msg: string): void;
}

/**
 * Tenants' data folders (`<home>/data/<tenant>`, FLOTILLA_DATA of their tasks and jobs): their size,
 * what is in them, and files uploaded into them. The size is the tenant's `quota.data`, enforced by
 * a file system of that size mounted on the folder (isolation/data-volume.ts).
 */
export class DataFolders {
  readonly volumes: DataVolumes;

  constructor(private readonly d: DataFoldersDeps) {
    this.volumes = new DataVolumes(path.join(d.paths.home, 'volumes'));
  }

  dir(tenant: string): string {
    return tenantDataPath(this.d.paths, tenant);
  }

  /** At the daemon's start: every sized folder mounted again (a reboot, an unmount by hand). */
  async prepare(): Promise<void> {
    for (const t of this.d.store.tenants.list()) {
      if (t.quota?.data === undefined) continue;
      await this.volumes
        .remount(t.name, this.dir(t.name))
        .then(
          (done) => done && this.d.log(`data folder of ${t.name}: mounted its ${t.quota?.data} MB volume`),
        )
        .catch((err: unknown) =>
          this.d.log(`data folder of ${t.name}: could not be mounted: ${String(err)}`),
        );
    }
  }

  /** Gives the tenant's folder `sizeMb` (before the size is stored: a size that cannot be is not). */
  async resize(tenant: string, sizeMb: number): Promise<void> {
    await this.volumes.ensure(tenant, this.dir(tenant), sizeMb, this.d.userOf(tenant));
    this.d.log(`data folder of ${tenant}: ${sizeMb} MB`);
  }

  /** The tenant is gone: its volume goes (the folder itself goes with the tenant's other folders). */
  async forget(tenant: string): Promise<void> {
    await this.volumes.remove(tenant, this.dir(tenant));
  }

  view(tenant: string): DataFolderView {
    const root = this.dir(tenant);
    fs.mkdirSync(root, { recursive: true });
    const fsStat = fs.statfsSync(root);
    const total = fsStat.blocks * fsStat.bsize;
    const free = fsStat.bavail * fsStat.bsize;
    const entries: DataEntryView[] = [];
    const truncated = walk(root, '', entries);
    return {
      path: root,
      sizeMb: this.d.store.tenants.get(tenant)?.quota?.data ?? null,
      totalBytes: total,
      freeBytes: free,
      usedBytes: total - fsStat.bfree * fsStat.bsize,
      entries,
      truncated,
    };
  }

  /**
   * A file streamed into the folder at `given` (a relative path; folders on the way are made). No
   * symbolic link may be on the way (one could lead out of the folder); the write itself runs as
   * the tenant's user.
   */
  async upload(tenant: string, given: string, body: Readable, length?: number): Promise<DataUploadView> {
    const refuse = (err: FlotillaError) => {
      body.resume();
      return err;
    };
    let segments: string[];
    try {
      segments = dataPathSegments(given);
    } catch (err) {
      throw refuse(err as FlotillaError);
    }
    if (length !== undefined && length > LIMITS.uploadBytes)
      throw refuse(
        new FlotillaError('PAYLOAD_TOO_LARGE', `an upload may be at most ${formatBytes(LIMITS.uploadBytes)}`),
      );
    const root = this.dir(tenant);
    fs.mkdirSync(root, { recursive: true });
    const problem = pathProblem(root, segments);
    if (problem) throw refuse(new FlotillaError('DATA_PATH_INVALID', `${given}: ${problem}`));
    const fsStat = fs.statfsSync(root);
    const free = fsStat.bavail * fsStat.bsize;
    if (length !== undefined && length > free)
      throw refuse(
        new FlotillaError(
          'DATA_QUOTA_EXCEEDED',
          `${given} is ${formatBytes(length)}, and the data folder has ${formatBytes(free)} free: nothing was written`,
        ),
      );
    const folder = path.join(root, ...segments.slice(0, -1));
    const bytes = await writeAsUser(folder, segments.at(-1)!, body, this.d.userOf(tenant));
    return { path: segments.join('/'), bytes };
  }
}

/** Why the path cannot be written: a symbolic link on the way, a file where a folder must be. */
function pathProblem(root: string, segments: string[]): string | null {
  let at = root;
  for (const [i, s] of segments.entries()) {
    at = path.join(at, s);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(at);
    } catch {
      return null;
    }
    const last = i === segments.length - 1;
    if (st.isSymbolicLink()) return `${segments.slice(0, i + 1).join('/')} is a symbolic link`;
    if (!last && !st.isDirectory()) return `${segments.slice(0, i + 1).join('/')} is not a folder`;
    if (last && st.isDirectory()) return 'it is a folder';
  }
  return null;
}

/** Depth first, names in order, links not followed; true when entries were left out. */
function walk(dir: string, rel: string, out: DataEntryView[]): boolean {
  let names: string[];
  try {
    names = fs.readdirSync(dir).sort();
  } catch {
    return false;
  }
  for (const name of names) {
    if ((rel === '' && RESERVED_NAMES.includes(name)) || name.startsWith(UPLOAD_PREFIX)) continue;
    if (out.length >= LIMITS.listEntries) return true;
    const full = path.join(dir, name);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(full);
    } catch {
      continue;
    }
    const p = rel ? `${rel}/${name}` : name;
    const kind = st.isSymbolicLink() ? 'link' : st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
    out.push({ path: p, kind, bytes: kind === 'file' ? st.size : 0, modifiedAt: st.mtime.toISOString() });
    if (kind === 'dir' && walk(full, p, out)) return true;
  }
  return false;
}
