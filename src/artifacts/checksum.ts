import crypto from 'node:crypto';
import fs from 'node:fs';

export async function sha256File(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Files this process has hashed, keyed by path, with the identity they had then (inode, size,
 * mtime, ctime in ns). Any write, truncation, replacement or chmod changes one of these, so an
 * unchanged key means the bytes still hash to the same value and need not be read again.
 */
const verified = new Map<string, string>();

export type FileCheck = 'ok' | 'missing' | 'corrupt';

/** Whether `file` exists and hashes to `sha256`; hashes it at most once per process while unchanged. */
export async function checkFile(file: string, sha256: string): Promise<FileCheck> {
  const before = await identity(file);
  if (before === null) return 'missing';
  const key = `${sha256}:${before}`;
  if (verified.get(file) === key) return 'ok';
  const actual = await sha256File(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (actual === null) return 'missing';
  // Changed while we read it: the hash proves nothing about what is there now.
  if ((await identity(file)) !== before) return checkFile(file, sha256);
  if (actual !== sha256) {
    verified.delete(file);
    return 'corrupt';
  }
  verified.set(file, key);
  return 'ok';
}

/** Forget a path (it was deleted or replaced on purpose). */
export function forgetFile(file: string): void {
  verified.delete(file);
}

async function identity(file: string): Promise<string | null> {
  try {
    const st = await fs.promises.stat(file, { bigint: true });
    if (!st.isFile()) return null;
    return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Records a file this process has just written and hashed itself, so the next check is free. */
export async function rememberFile(file: string, sha256: string): Promise<void> {
  const id = await identity(file);
  if (id !== null) verified.set(file, `${sha256}:${id}`);
}
