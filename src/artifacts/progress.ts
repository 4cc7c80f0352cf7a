import type { LockedArtifact } from '../core/artifact.js';
import { repositoryPath } from '../core/artifact.js';

/** One artifact's state, as ArtifactResolver reports it through `onProgress`. */
export interface Progress {
  artifact: LockedArtifact;
  /** Bytes present so far (a resumed download starts above 0). */
  bytes: number;
  total: number;
  done: boolean;
  /** Taken from the verified cache or the local Maven repository: nothing was downloaded. */
  fromCache: boolean;
}

export interface ProgressState {
  /** By repository path, in lock order. */
  items: Map<string, { bytes: number; total: number; done: boolean; fromCache: boolean }>;
  /** The file most recently reported, shown at the end of the line. */
  current?: string;
}

const fileName = (a: LockedArtifact): string => repositoryPath(a).split('/').pop()!;

export function progressState(artifacts: LockedArtifact[]): ProgressState {
  const items: ProgressState['items'] = new Map();
  for (const a of artifacts)
    items.set(repositoryPath(a), { bytes: 0, total: a.size, done: false, fromCache: false });
  return { items };
}

/** A new state with `p` applied; the old one is left as it was. */
export function applyProgress(state: ProgressState, p: Progress): ProgressState {
  const items = new Map(state.items);
  items.set(repositoryPath(p.artifact), {
    bytes: p.bytes,
    total: p.total,
    done: p.done,
    fromCache: p.fromCache,
  });
  return { items, current: fileName(p.artifact) };
}

/**
 * One line, no escape codes:
 *   "jars 12/57 [########------------]  34.2/88.1 MB  kafka-clients-3.9.1.jar"
 *   "jars 57/57 ready: 45 cached, 12 downloaded (88.1 MB)"
 */
export function renderProgress(state: ProgressState, width = 80): string {
  const all = [...state.items.values()];
  const done = all.filter((i) => i.done).length;
  const fetched = all.filter((i) => !i.fromCache);
  const total = sum(fetched.map((i) => i.total));
  const bytes = sum(fetched.map((i) => Math.min(i.bytes, i.total)));
  if (all.length > 0 && done === all.length) {
    const cached = all.length - fetched.length;
    return `jars ${done}/${all.length} ready: ${cached} cached, ${fetched.length} downloaded (${mb(total)} MB)`;
  }
  const head = `jars ${done}/${all.length} `;
  const tail = `  ${mb(bytes)}/${mb(total)} MB`;
  const name = state.current ? `  ${state.current}` : '';
  const barWidth = Math.max(10, Math.min(30, width - head.length - tail.length - 2 - 20));
  const filled = total > 0 ? Math.round((bytes / total) * barWidth) : 0;
  const line = `${head}[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]${tail}${name}`;
  return line.length > width ? line.slice(0, Math.max(0, width - 1)) + '…' : line;
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
const mb = (bytes: number): string => (bytes / 1e6).toFixed(1);

/**
 * An `onProgress` that redraws one line on a terminal (at most every 100 ms) and prints the final
 * summary once; on anything but a TTY it prints only the summary.
 */
export function progressPrinter(
  stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number },
  artifacts: LockedArtifact[],
  now: () => number = Date.now,
): (p: Progress) => void {
  let state = progressState(artifacts);
  let drawnAt = -Infinity;
  let finished = false;
  return (p) => {
    state = applyProgress(state, p);
    if (finished) return;
    const complete = [...state.items.values()].every((i) => i.done);
    const width = stream.columns ?? 80;
    if (complete) {
      finished = true;
      stream.write(`${stream.isTTY ? '\r\x1b[K' : ''}${renderProgress(state, width)}\n`);
    } else if (stream.isTTY) {
      const t = now();
      if (t - drawnAt < 100) return;
      drawnAt = t;
      stream.write(`\r\x1b[K${renderProgress(state, width)}`);
    }
  };
}
