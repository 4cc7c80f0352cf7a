import fs from 'node:fs';
import path from 'node:path';
import type { ConfigFile } from '../core/task.js';

/** Writes a task's config files into its sandbox, with their modes; none may land outside it. */
export function writeFiles(sandbox: string, files: ConfigFile[]): void {
  for (const f of files) {
    const file = path.join(sandbox, f.path);
    if (!file.startsWith(sandbox + path.sep)) throw new Error(`config file ${f.path} escapes the sandbox`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, f.content, { mode: f.mode ?? 0o644 });
    fs.chmodSync(file, f.mode ?? 0o644);
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
