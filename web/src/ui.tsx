import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import type { FlotillaEvent } from '../../src/core/streams.js';
import type { Live } from './live.js';
import type { Session } from './session.js';

export interface AppContext {
  session: Session;
  live: Live;
}
export const Ctx = createContext<AppContext>(null as unknown as AppContext);
export const useApp = () => useContext(Ctx);

/** What a coded error from the daemon looks like once it has crossed the client. */
export interface Coded {
  code?: string;
  message: string;
  hint?: string;
  details?: unknown;
}

export function asCoded(err: unknown): Coded {
  if (err && typeof err === 'object' && 'message' in err) return err as Coded;
  return { message: String(err) };
}

/** A daemon error as the CLI prints it: the code, what was wrong, and what to change. */
export function ErrorBox({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  const e = asCoded(error);
  return (
    <div class="error" role="alert">
      {title && <strong>{title}: </strong>}
      {e.code && <code class="code">{e.code}</code>} <span class="msg">{e.message}</span>
      {e.hint && <div class="hint">{e.hint}</div>}
    </div>
  );
}

/**
 * Loads with `load` now and again whenever the live stream brings an event `relevant` says matters
 * (coalesced: at most one reload in flight, one more queued). No timer polls.
 */
export function useLiveData<T>(
  load: () => Promise<T>,
  deps: unknown[],
  relevant: (e: FlotillaEvent) => boolean = () => true,
): { data: T | undefined; error: unknown; reload: () => void } {
  const { live } = useApp();
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>();
  const state = useRef({ running: false, again: false, alive: true });
  const loadRef = useRef(load);
  loadRef.current = load;
  const reload = useCallback(() => {
    const s = state.current;
    if (s.running) {
      s.again = true;
      return;
    }
    s.running = true;
    loadRef
      .current()
      .then(
        (d) => {
          if (!s.alive) return;
          setData(d);
          setError(undefined);
        },
        (err) => s.alive && setError(err),
      )
      .finally(() => {
        s.running = false;
        if (s.again && s.alive) {
          s.again = false;
          reload();
        }
      });
  }, []);
  useEffect(() => {
    state.current.alive = true;
    reload();
    const offEvent = live.on((e) => relevant(e) && reload());
    const offState = live.onState((up) => up && reload());
    return () => {
      state.current.alive = false;
      offEvent();
      offState();
    };
  }, deps);
  return { data, error, reload };
}

const STATUS_TEXT: Record<string, string> = {
  ready: 'Running',
  deploying: 'Deploying',
  degraded: 'Degraded',
  failing: 'Failing',
  waiting: 'Waiting',
  stopped: 'Stopped',
};

export function Status({ status }: { status: string }) {
  return <span class={`badge s-${status}`}>{STATUS_TEXT[status] ?? status}</span>;
}

export function State({ state }: { state: string }) {
  return <span class={`badge t-${state}`}>{state}</span>;
}

export function CopyButton({ text, label }: { text: string; label: string }) {
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      class="small"
      aria-label={`Copy ${label}`}
      onClick={() =>
        void navigator.clipboard?.writeText(text).then(
          () => {
            setDone(true);
            setTimeout(() => setDone(false), 1500);
          },
          () => undefined,
        )
      }
    >
      {done ? 'Copied' : 'Copy'}
    </button>
  );
}

/** Allocated of offered, as a bar with its numbers. */
export function Bar({
  label,
  used,
  total,
  unit,
}: {
  label: string;
  used: number;
  total: number;
  unit: string;
}) {
  const pct = total > 0 ? Math.min(100, (used / total) * 100) : 0;
  return (
    <div class="bar">
      <span class="bar-label">{label}</span>
      <span
        class="bar-track"
        role="meter"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={used}
      >
        <span class={`bar-fill${pct > 90 ? ' hot' : ''}`} style={{ width: `${pct}%` }} />
      </span>
      <span class="bar-num">
        {fmt(used)} / {fmt(total)} {unit}
      </span>
    </div>
  );
}

export function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

export function encodeName(name: string): string {
  return encodeURIComponent(name);
}
