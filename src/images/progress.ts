import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

/** One JSON message of the Engine's build, pull and import streams. */
interface EngineMessage {
  stream?: string;
  status?: string;
  id?: string;
  progress?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

export interface FollowResult {
  /** The stream's error, when it reported one (a failed RUN, an unknown base, a bad Dockerfile). */
  error?: string;
  /** The last lines of output, for the error message. */
  tail: string[];
  /** The image ID a build reports in its `aux` message. */
  imageId?: string;
}

export const TAIL_LINES = 20;

/**
 * Reads the Engine's newline-delimited JSON progress to its end: every text line goes to `onLine`
 * (download bars are left out: they redraw one line hundreds of times), errors are collected.
 */
export function followProgress(
  res: Readable,
  onLine: (line: string) => void = () => undefined,
): Promise<FollowResult> {
  const out: FollowResult = { tail: [] };
  const emit = (line: string) => {
    const text = line.replace(/\s+$/, '');
    if (!text) return;
    out.tail.push(text);
    if (out.tail.length > TAIL_LINES) out.tail.shift();
    onLine(text);
  };
  const handle = (raw: string) => {
    if (!raw.trim()) return;
    let m: EngineMessage;
    try {
      m = JSON.parse(raw) as EngineMessage;
    } catch {
      return emit(raw);
    }
    if (m.stream !== undefined) for (const l of m.stream.split('\n')) emit(l);
    else if (m.status !== undefined && m.progress === undefined)
      emit(m.id ? `${m.id}: ${m.status}` : m.status);
    if (m.aux?.ID) out.imageId = m.aux.ID;
    const error = m.errorDetail?.message ?? m.error;
    if (error !== undefined) {
      out.error = error;
      emit(error);
    }
  };
  return new Promise((resolve, reject) => {
    res.on('error', reject);
    const lines = createInterface({ input: res, crlfDelay: Infinity });
    lines.on('line', handle);
    lines.on('close', () => resolve(out));
  });
}
