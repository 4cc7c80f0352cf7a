import { useEffect, useRef, useState } from 'preact/hooks';
import type { UsageView } from '../../../src/core/api-schemas.js';
import type { TenantView } from '../../../src/core/tenant-schemas.js';
import { ErrorBox, fmt, useApp, useLiveData } from '../ui.js';

const SAMPLES = 120;

/** Tenants with their DRF share (a chart of it since the page opened), weights and quotas, and usage. */
export function TenantsView() {
  const { session } = useApp();
  const admin = session.who.role === 'cluster-admin';
  const history = useRef<{ at: number; shares: Record<string, number> }[]>([]);
  const { data, error, reload } = useLiveData(
    async () => {
      const list = admin
        ? await session.client.listTenants()
        : [await session.client.getTenant(session.tenant)];
      history.current = [
        ...history.current,
        { at: Date.now(), shares: Object.fromEntries(list.map((t) => [t.name, t.dominantShare])) },
      ].slice(-SAMPLES);
      return list;
    },
    [],
    (e) => e.type === 'task_state' || e.type === 'task_removed',
  );
  return (
    <section aria-labelledby="ten-title">
      <h1 id="ten-title">Tenants & usage</h1>
      <ErrorBox error={error} />
      {data && <ShareChart names={data.map((t) => t.name)} history={history.current} />}
      {data && (
        <table class="table" aria-label="Tenants">
          <thead>
            <tr>
              <th>Tenant</th>
              <th>Dominant share</th>
              <th>Allocated</th>
              <th>Weight</th>
              <th>Quota (cpus, mem MB)</th>
              {admin && <th />}
            </tr>
          </thead>
          <tbody>
            {data.map((t) => (
              <TenantRow tenant={t} admin={admin} onDone={reload} />
            ))}
          </tbody>
        </table>
      )}
      <Usage />
    </section>
  );
}

function TenantRow({ tenant: t, admin, onDone }: { tenant: TenantView; admin: boolean; onDone: () => void }) {
  const { session } = useApp();
  const [weight, setWeight] = useState(String(t.weight));
  const [cpus, setCpus] = useState(t.quota?.cpus !== undefined ? String(t.quota.cpus) : '');
  const [mem, setMem] = useState(t.quota?.mem !== undefined ? String(t.quota.mem) : '');
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState(false);
  const save = (e: Event) => {
    e.preventDefault();
    const quota =
      cpus || mem ? { ...(cpus ? { cpus: Number(cpus) } : {}), ...(mem ? { mem: Number(mem) } : {}) } : null;
    session.client.updateTenant(t.name, { weight: Number(weight), quota }).then(() => {
      setError(undefined);
      setSaved(true);
      onDone();
    }, setError);
  };
  return (
    <tr data-tenant={t.name}>
      <td>{t.name}</td>
      <td>{(t.dominantShare * 100).toFixed(1)} %</td>
      <td>
        {fmt(t.allocated.cpus)} cpus, {fmt(t.allocated.mem)} MB
      </td>
      {admin ? (
        <>
          <td>
            <input
              class="num"
              aria-label={`Weight of ${t.name}`}
              value={weight}
              onInput={(e) => (setSaved(false), setWeight(e.currentTarget.value))}
            />
          </td>
          <td>
            <input
              class="num"
              aria-label={`CPU quota of ${t.name}`}
              placeholder="none"
              value={cpus}
              onInput={(e) => (setSaved(false), setCpus(e.currentTarget.value))}
            />{' '}
            <input
              class="num"
              aria-label={`Memory quota of ${t.name} (MB)`}
              placeholder="none"
              value={mem}
              onInput={(e) => (setSaved(false), setMem(e.currentTarget.value))}
            />
          </td>
          <td>
            <form onSubmit={save} class="inline">
              <button type="submit" class="small" aria-label={`Save ${t.name}`}>
                {saved ? 'Saved' : 'Save'}
              </button>
            </form>
            <ErrorBox error={error} />
          </td>
        </>
      ) : (
        <>
          <td>{t.weight}</td>
          <td>{t.quota ? `${t.quota.cpus ?? '—'} cpus, ${t.quota.mem ?? '—'} MB` : 'none'}</td>
        </>
      )}
    </tr>
  );
}

const COLORS = ['#2f7ed8', '#e4572e', '#17a398', '#f3a712', '#8e44ad', '#7f8c8d'];

/** Each tenant's weighted dominant share, sampled whenever a task changes state, since the page opened. */
function ShareChart({
  names,
  history,
}: {
  names: string[];
  history: { at: number; shares: Record<string, number> }[];
}) {
  const W = 600;
  const H = 140;
  const max = Math.max(0.05, ...history.flatMap((h) => Object.values(h.shares)));
  const t0 = history[0]?.at ?? 0;
  const span = Math.max(1, (history[history.length - 1]?.at ?? 0) - t0);
  const x = (at: number) => (history.length < 2 ? W : ((at - t0) / span) * W);
  const y = (v: number) => H - (v / max) * (H - 10);
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label="Dominant share per tenant over time">
        <line x1="0" y1={H} x2={W} y2={H} class="axis" />
        {names.map((n, i) => (
          <polyline
            fill="none"
            stroke={COLORS[i % COLORS.length]}
            stroke-width="2"
            points={
              history.length === 1
                ? `0,${y(history[0]!.shares[n] ?? 0)} ${W},${y(history[0]!.shares[n] ?? 0)}`
                : history.map((h) => `${x(h.at)},${y(h.shares[n] ?? 0)}`).join(' ')
            }
          />
        ))}
      </svg>
      <figcaption>
        Weighted dominant share (DRF), since this page opened; top of the chart = {(max * 100).toFixed(1)} %.{' '}
        {names.map((n, i) => (
          <span class="legend">
            <span class="swatch" style={{ background: COLORS[i % COLORS.length] }} /> {n}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

const local = (ms: number) => {
  const d = new Date(ms - new Date().getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
};

function Usage() {
  const { session } = useApp();
  const [from, setFrom] = useState(local(Date.now() - 86_400_000));
  const [to, setTo] = useState(local(Date.now() + 60_000));
  const [by, setBy] = useState<'service' | 'tenant'>('service');
  const [usage, setUsage] = useState<UsageView>();
  const [error, setError] = useState<unknown>();
  const load = () =>
    session.client
      .usage({ from: new Date(from).toISOString(), to: new Date(to).toISOString(), by })
      .then((u) => (setUsage(u), setError(undefined)), setError);
  useEffect(() => void load(), [by]);
  const csv = usage ? toCsv(usage) : '';
  return (
    <div>
      <h2>Usage</h2>
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          void load();
        }}
      >
        <label>
          From <input type="datetime-local" value={from} onInput={(e) => setFrom(e.currentTarget.value)} />
        </label>
        <label>
          To <input type="datetime-local" value={to} onInput={(e) => setTo(e.currentTarget.value)} />
        </label>
        <label>
          By{' '}
          <select value={by} onChange={(e) => setBy(e.currentTarget.value as 'service' | 'tenant')}>
            <option value="service">service</option>
            <option value="tenant">tenant</option>
          </select>
        </label>
        <button type="submit" class="small">
          Show
        </button>
        {usage && (
          <a
            class="button small"
            download={`flotilla-usage-${by}.csv`}
            href={`data:text/csv;charset=utf-8,${encodeURIComponent(csv)}`}
          >
            Export CSV
          </a>
        )}
      </form>
      <ErrorBox error={error} />
      {usage && (
        <table class="table" aria-label="Usage">
          <thead>
            <tr>
              <th>Tenant</th>
              {by === 'service' && <th>Service or app</th>}
              <th>CPU·s</th>
              <th>Mem GB·s</th>
              <th>Disk GB·s</th>
              <th>Task·s</th>
            </tr>
          </thead>
          <tbody>
            {usage.rows.map((r) => (
              <tr>
                <td>{r.tenant}</td>
                {by === 'service' && <td>{r.service}</td>}
                <td>{fmt(r.cpuSeconds)}</td>
                <td>{fmt(r.memGbSeconds)}</td>
                <td>{fmt(r.diskGbSeconds)}</td>
                <td>{fmt(r.taskSeconds)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

export function toCsv(u: UsageView): string {
  const head = [
    'tenant',
    'service',
    'kind',
    'cpu_seconds',
    'mem_gb_seconds',
    'disk_gb_seconds',
    'task_seconds',
    'from',
    'to',
  ];
  const rows = u.rows.map((r) =>
    [
      r.tenant,
      r.service ?? '',
      r.kind ?? '',
      r.cpuSeconds,
      r.memGbSeconds,
      r.diskGbSeconds,
      r.taskSeconds,
      u.from,
      u.to,
    ]
      .map((v) => (/[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v)))
      .join(','),
  );
  return [head.join(','), ...rows].join('\n') + '\n';
}
