import fs from 'node:fs';
import path from 'node:path';
import type { TaskUser } from '../core/identity.js';
import type { ConfigFile } from '../core/task.js';

/**
 * Writes a task's config files into its sandbox, with their modes; none may land outside it. For a
 * task that runs as a tenant's user they are that user's, and no one else's (they hold passwords).
 */
export function writeFiles(sandbox: string, files: ConfigFile[], user?: TaskUser): void {
  for (const f of files) {
    const file = path.join(sandbox, f.path);
    if (!file.startsWith(sandbox + path.sep)) throw new Error(`config file ${f.path} escapes the sandbox`);
    const made = fs.mkdirSync(path.dirname(file), { recursive: true });
    const mode = user ? (f.mode ?? 0o644) & 0o700 : (f.mode ?? 0o644);
    fs.writeFileSync(file, f.content, { mode });
    fs.chmodSync(file, mode);
    if (!user) continue;
    fs.chownSync(file, user.uid, user.gid);
    // The folders this write made, from the sandbox down.
    for (let dir = path.dirname(file); made && dir.length >= made.length; dir = path.dirname(dir))
      fs.chownSync(dir, user.uid, user.gid);
  }
}

/** Deletes a task's sandbox, and its owner's folder once the last instance is gone. */
export function purgeSandbox(sandbox: string): void {
  fs.rmSync(sandbox, { recursive: true, force: true });
  try {
    fs.rmdirSync(path.dirname(sandbox));
  } catch {
    // other instances still have data there
  }
}
