import { useEffect, useRef, useState } from 'preact/hooks';
import type { WorkloadQuery, WorkloadRow } from '../../../src/core/console-schemas.js';
import { ErrorBox, Status, encodeName, fmt, useApp, useLiveData } from '../ui.js';

const ROW = 38;
const PAGE = 200;
const OVERSCAN = 10;

type Filters = Pick<WorkloadQuery, 'q' | 'status' | 'health' | 'kind' | 'sort' | 'order'>;

/**
 * Marathon's list: services and apps, one row each. The daemon filters, sorts and pages; the page
 * asks only for the pages of rows on screen and draws only those rows, so 10,000 owners scroll as 10.
 */
export function ServicesView() {
  const { session } = useApp();
  const [filters, setFilters] = useState<Filters>({ sort: 'name', order: 'asc' });
  const [view, setView] = useState({ top: 0, height: 600 });
  const box = useRef<HTMLDivElement>(null);
  const first = Math.floor(view.top / ROW);
  const last = first + Math.ceil(view.height / ROW) + OVERSCAN;
  const wantPages = [...new Set([Math.floor(first / PAGE), Math.floor(last / PAGE)])];
  const wantKey = wantPages.join(',');
  const { data, error, reload } = useLiveData(
    async () => {
      const pages = await Promise.all(
        wantPages.map((p) => session.client.listWorkloads({ ...filters, offset: p * PAGE, limit: PAGE })),
      );
      const rows = new Map<number, WorkloadRow>();
      for (const page of pages) page.rows.forEach((r, i) => rows.set(page.offset + i, r));
      return { total: pages[0]?.total ?? 0, rows };
    },
    [JSON.stringify(filters)],
    (e) => e.type === 'task_state' || e.type === 'task_removed',
  );
  useEffect(() => reload(), [wantKey]);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const measure = () => setView({ top: el.scrollTop, height: el.clientHeight });
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  const total = data?.total ?? 0;
  const set = (patch: Partial<Filters>) => {
    setFilters((f) => ({ ...f, ...patch }));
    if (box.current) box.current.scrollTop = 0;
  };
  const sortBy = (key: NonNullable<Filters['sort']>) =>
    set({ sort: key, order: filters.sort === key && filters.order === 'asc' ? 'desc' : 'asc' });
  const rows: preact.JSX.Element[] = [];
  for (let i = first; i < Math.min(last, total); i++) {
    const r = data?.rows.get(i);
    rows.push(<Row key={r ? `${r.kind}:${r.name}` : `i${i}`} index={i} row={r} onDone={reload} />);
  }
  const header = (key: NonNullable<Filters['sort']> | null, label: string) => (
    <span
      role="columnheader"
      aria-sort={
        key && filters.sort === key ? (filters.order === 'asc' ? 'ascending' : 'descending') : undefined
      }
    >
      {key ? (
        <button type="button" class="link" onClick={() => sortBy(key)}>
          {label}
          {filters.sort === key ? (filters.order === 'asc' ? ' ▲' : ' ▼') : ''}
        </button>
      ) : (
        label
      )}
    </span>
  );
  return (
    <section aria-labelledby="services-title">
      <div class="toolbar">
        <h1 id="services-title">Services and apps</h1>
        <input
          type="search"
          aria-label="Search by name, package or stack"
          placeholder="Search name, package, stack"
          value={filters.q ?? ''}
          onInput={(e) => set({ q: e.currentTarget.value || undefined })}
        />
        <select
          aria-label="Filter by status"
          value={filters.status ?? ''}
          onChange={(e) => set({ status: (e.currentTarget.value || undefined) as Filters['status'] })}
        >
          <option value="">Any status</option>
          {['ready', 'deploying', 'degraded', 'failing', 'waiting', 'stopped'].map((s) => (
            <option value={s}>{s}</option>
          ))}
        </select>
        <select
          aria-label="Filter by health"
          value={filters.health ?? ''}
          onChange={(e) => set({ health: (e.currentTarget.value || undefined) as Filters['health'] })}
        >
          <option value="">Any health</option>
          <option value="healthy">Healthy</option>
          <option value="unhealthy">Unhealthy</option>
        </select>
        <select
          aria-label="Filter by kind"
          value={filters.kind ?? ''}
          onChange={(e) => set({ kind: (e.currentTarget.value || undefined) as Filters['kind'] })}
        >
          <option value="">Services and apps</option>
          <option value="service">Services</option>
          <option value="app">Apps</option>
        </select>
        <span class="muted" aria-live="polite" data-testid="count">
          {total} {total === 1 ? 'row' : 'rows'}
        </span>
      </div>
      <ErrorBox error={error} />
      <div class="grid" role="table" aria-label="Services and apps" aria-rowcount={total + 1}>
        <div class="grow ghead" role="row">
          {header('name', 'Name')}
          {header('package', 'Package')}
          {header('status', 'Status')}
          {header('running', 'Instances')}
          {header(null, 'Health')}
          {header('cpus', 'CPUs')}
          {header('mem', 'Mem')}
          {header(null, 'Actions')}
        </div>
        <div
          class="gbody"
          ref={box}
          onScroll={(e) => setView({ top: e.currentTarget.scrollTop, height: e.currentTarget.clientHeight })}
        >
          <div style={{ height: `${total * ROW}px`, position: 'relative' }}>{rows}</div>
          {data && total === 0 && (
            <p class="empty">Nothing here yet. Install a package from the Catalog or apply a stack.</p>
          )}
        </div>
      </div>
    </section>
  );
}

function Row({ index, row, onDone }: { index: number; row: WorkloadRow | undefined; onDone: () => void }) {
  const style = { transform: `translateY(${index * ROW}px)` };
  if (!row) {
    return <div class="grow" role="row" aria-rowindex={index + 2} style={style} />;
  }
  const href = `#/services/${encodeName(row.name)}${row.kind === 'app' ? '/app' : ''}`;
  const health =
    row.wanted === 0 ? '—' : row.ready === row.wanted ? 'Healthy' : `${row.ready} of ${row.wanted} ready`;
  return (
    <div class="grow" role="row" aria-rowindex={index + 2} style={style} data-name={row.name}>
      <span role="cell" class="name">
        {/* A Compose service as its file wrote it (cassandra_db); its DNS-safe name on hover. */}
        <a href={href} title={row.written ? `${row.written} (DNS: ${row.name})` : undefined}>
          {row.written ?? row.name}
        </a>
        {row.stack && <span class="muted"> · {row.stack}</span>}
      </span>
      <span role="cell">{row.kind === 'app' ? 'app' : `${row.package} ${row.version}`}</span>
      <span role="cell" title={row.message ?? undefined}>
        <Status status={row.status} />
      </span>
      <span role="cell">
        {row.running} / {row.wanted}
      </span>
      <span role="cell" class={row.wanted > 0 && row.ready === row.wanted ? 'ok' : 'warn'}>
        {health}
      </span>
      <span role="cell">{fmt(row.cpus)}</span>
      <span role="cell">{fmt(row.mem)} MB</span>
      <span role="cell">
        <Actions row={row} onDone={onDone} />
      </span>
    </div>
  );
}

/** Scale, restart (apps) and remove (both); remove asks once more. */
export function Actions({
  row,
  onDone,
}: {
  row: Pick<WorkloadRow, 'kind' | 'name' | 'wanted'>;
  onDone: () => void;
}) {
  const { session } = useApp();
  const [mode, setMode] = useState<'idle' | 'scale' | 'remove'>('idle');
  const [count, setCount] = useState(String(row.wanted));
  const [error, setError] = useState<unknown>();
  const run = (p: Promise<unknown>) =>
    p.then(() => {
      setMode('idle');
      setError(undefined);
      onDone();
    }, setError);
  const c = session.client;
  return (
    <span class="actions">
      {mode === 'scale' ? (
        <form
          class="inline"
          onSubmit={(e) => {
            e.preventDefault();
            void run(c.scaleApp(row.name, Number(count)));
          }}
        >
          <input
            type="number"
            min={0}
            aria-label={`Instances of ${row.name}`}
            value={count}
            onInput={(e) => setCount(e.currentTarget.value)}
          />
          <button type="submit" class="small">
            Set
          </button>
          <button type="button" class="small" onClick={() => setMode('idle')}>
            Cancel
          </button>
        </form>
      ) : mode === 'remove' ? (
        <>
          <button
            type="button"
            class="small danger"
            onClick={() =>
              void run(row.kind === 'app' ? c.removeApp(row.name) : c.uninstallService(row.name))
            }
          >
            Confirm remove
          </button>
          <button type="button" class="small" onClick={() => setMode('idle')}>
            Cancel
          </button>
        </>
      ) : (
        <>
          {row.kind === 'app' && (
            <>
              <button
                type="button"
                class="small"
                onClick={() => setMode('scale')}
                aria-label={`Scale ${row.name}`}
              >
                Scale
              </button>
              <button
                type="button"
                class="small"
                onClick={() => void run(c.restartApp(row.name))}
                aria-label={`Restart ${row.name}`}
              >
                Restart
              </button>
            </>
          )}
          <button
            type="button"
            class="small"
            onClick={() => setMode('remove')}
            aria-label={`Remove ${row.name}`}
          >
            Remove
          </button>
        </>
      )}
      {error ? <ErrorBox error={error} /> : null}
    </span>
  );
}
