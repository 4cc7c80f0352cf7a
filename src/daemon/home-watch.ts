import fs from 'node:fs';

/** How often the daemon looks whether its home is still there (DaemonConfig.homeCheckMs). */
export const HOME_CHECK_MS = 5000;

/**
 * Calls `gone` once if `home` is deleted (or deleted and made again: another folder by the same
 * name holds none of this daemon's state). A daemon whose home is gone keeps serving from an
 * unlinked database and supervising tasks whose sandboxes are gone, and the next CLI would start a
 * second daemon for the new home beside it: it has to notice, and stop.
 */
export function watchHome(home: string, intervalMs: number, gone: (why: string) => void): () => void {
  const first = fs.statSync(home);
  const timer = setInterval(() => {
    let why: string | null = null;
    try {
      const now = fs.statSync(home);
      if (now.ino !== first.ino || now.dev !== first.dev) why = `${home} was deleted and made again`;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return;
      why = `${home} was deleted`;
    }
    if (why === null) return;
    clearInterval(timer);
    gone(why);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
