import { useEffect, useState } from 'preact/hooks';
import type { FlotillaEvent } from '../../../src/core/streams.js';
import { ErrorBox, useApp } from '../ui.js';

const KEEP = 1000;

/**
 * The event stream, live, from the start of what the daemon keeps: its own connection, resumed after
 * the last event seen whenever it drops (the daemon replays from `since`), so no event is missed.
 */
export function EventsView() {
  const { session } = useApp();
  const [events, setEvents] = useState<FlotillaEvent[]>([]);
  const [connected, setConnected] = useState(false);
  const [error, setError] = useState<unknown>();
  const [filter, setFilter] = useState({ task: '', owner: '', kind: '' });
  useEffect(() => {
    const abort = new AbortController();
    let last = 0;
    void (async () => {
      while (!abort.signal.aborted) {
        try {
          await session.client.events(
            (e) => {
              last = e.id;
              setEvents((old) => [e, ...old].slice(0, KEEP));
            },
            abort.signal,
            last,
            () => {
              setConnected(true);
              setError(undefined);
            },
          );
        } catch (err) {
          setError(err);
        }
        setConnected(false);
        if (!abort.signal.aborted) await new Promise((r) => setTimeout(r, 1000));
      }
    })();
    return () => abort.abort();
  }, [session]);
  const kinds = [...new Set(events.map((e) => e.type))].sort();
  const shown = events.filter((e) => {
    const d = e.data as { task?: string; owner?: string };
    return (
      (!filter.kind || e.type === filter.kind) &&
      (!filter.task || (d.task ?? '').includes(filter.task)) &&
      (!filter.owner || (d.owner ?? '').includes(filter.owner))
    );
  });
  const set = (k: keyof typeof filter) => (e: Event) =>
    setFilter((f) => ({ ...f, [k]: (e.currentTarget as HTMLInputElement).value }));
  return (
    <section aria-labelledby="ev-title">
      <div class="toolbar">
        <h1 id="ev-title">Events</h1>
        <input
          type="search"
          aria-label="Filter by task"
          placeholder="task"
          value={filter.task}
          onInput={set('task')}
        />
        <input
          type="search"
          aria-label="Filter by service or app"
          placeholder="service or app"
          value={filter.owner}
          onInput={set('owner')}
        />
        <select aria-label="Filter by kind" value={filter.kind} onChange={set('kind')}>
          <option value="">Any kind</option>
          {kinds.map((k) => (
            <option value={k}>{k}</option>
          ))}
        </select>
        <span class={connected ? 'ok' : 'warn'} role="status">
          {connected ? 'live' : 'reconnecting…'}
        </span>
      </div>
      <ErrorBox error={error} />
      <table class="table" aria-label="Events">
        <thead>
          <tr>
            <th>#</th>
            <th>At</th>
            <th>Kind</th>
            <th>Task</th>
            <th>Owner</th>
            <th>What</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((e) => {
            const d = e.data as Record<string, unknown>;
            return (
              <tr data-event={e.id}>
                <td>{e.id}</td>
                <td>{d.at ? new Date(String(d.at)).toLocaleTimeString() : ''}</td>
                <td>{e.type}</td>
                <td>{String(d.task ?? d.subject ?? '')}</td>
                <td>{String(d.owner ?? '')}</td>
                <td class="msg">
                  {d.previous ? `${String(d.previous)} → ` : ''}
                  {String(d.state ?? '')}
                  {d.message ? ` — ${String(d.message)}` : ''}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
