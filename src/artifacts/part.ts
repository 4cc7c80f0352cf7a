import fs from 'node:fs';
import path from 'node:path';

/**
 * Partial downloads. `<target>.part` is the resumable leftover of an interrupted download. A download
 * first renames it to a name only this process uses (`<target>.part.<pid>.<n>`), so two processes
 * fetching the same artifact never write into one file; rename is atomic, so exactly one of them gets
 * the leftover. When a download gives up, its bytes go back to `<target>.part` for the next attempt.
 */
let seq = 0;

export async function claimPart(target: string): Promise<string> {
  const mine = `${target}.part.${process.pid}.${++seq}`;
  await adoptOrphans(target);
  try {
    await fs.promises.rename(`${target}.part`, mine);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return mine;
}

/** Keeps the bytes for a later resume. */
export async function releasePart(part: string, target: string): Promise<void> {
  await fs.promises.rename(part, `${target}.part`).catch(() => fs.promises.rm(part, { force: true }));
}

export async function discardPart(part: string): Promise<void> {
  await fs.promises.rm(part, { force: true });
}

/** Private parts of processes that died mid-download become the shared leftover again. */
async function adoptOrphans(target: string): Promise<void> {
  const dir = path.dirname(target);
  const prefix = `${path.basename(target)}.part.`;
  let names: string[];
  try {
    names = await fs.promises.readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = name.startsWith(prefix) ? /^(\d+)\.\d+$/.exec(name.slice(prefix.length)) : null;
    if (!m || isAlive(Number(m[1]))) continue;
    await fs.promises.rename(path.join(dir, name), `${target}.part`).catch(() => {});
  }
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
