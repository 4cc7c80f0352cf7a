import { useState } from 'preact/hooks';
import type { DeployResultView, StackView } from '../../../src/core/api-schemas.js';
import type { PlanView } from '../../../src/core/deploy-schemas.js';
import { ErrorBox, Status, encodeName, useApp, useLiveData } from '../ui.js';

const ACTION_TEXT: Record<string, string> = {
  create: 'added',
  update: 'changed',
  unchanged: 'unchanged',
  remove: 'removed',
  wait: 'waits',
};

/** Stacks: the list (down, with or without purge), and a file to plan then apply. */
export function StacksView() {
  const { session } = useApp();
  const { data, error, reload } = useLiveData(
    () => session.client.listStacks(),
    [],
    (e) => e.type !== 'home_deleted',
  );
  return (
    <section aria-labelledby="stacks-title">
      <h1 id="stacks-title">Stacks</h1>
      <ErrorBox error={error} />
      {data && data.length === 0 && <p class="muted">No stack yet.</p>}
      {data && data.length > 0 && (
        <table class="table" aria-label="Stacks">
          <thead>
            <tr>
              <th>Stack</th>
              <th>Status</th>
              <th>Services and apps</th>
              <th>Tasks</th>
              <th>Updated</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {data.map((s) => (
              <StackRow stack={s} onDone={reload} />
            ))}
          </tbody>
        </table>
      )}
      <Apply onApplied={reload} />
    </section>
  );
}

function StackRow({ stack: s, onDone }: { stack: StackView; onDone: () => void }) {
  const { session } = useApp();
  const [confirm, setConfirm] = useState(false);
  const [error, setError] = useState<unknown>();
  const down = (purge: boolean) =>
    session.client.downStack(s.name, purge).then(() => (setConfirm(false), onDone()), setError);
  return (
    <tr data-stack={s.name}>
      <td>{s.name}</td>
      <td title={s.message ?? undefined}>
        <Status status={s.status} />
      </td>
      <td>
        {[...s.services, ...s.apps].map((n, i) => (
          <>
            {i > 0 && ', '}
            <a href={`#/services/${encodeName(n)}${s.apps.includes(n) ? '/app' : ''}`}>{n}</a>
          </>
        ))}
      </td>
      <td>
        {s.tasks.filter((t) => t.ready).length} / {s.tasks.filter((t) => t.desired === 'running').length}{' '}
        ready
      </td>
      <td>{new Date(s.updatedAt).toLocaleString()}</td>
      <td class="actions">
        {confirm ? (
          <span role="group" aria-label="Confirm purge">
            <span class="warn">Delete {s.name}'s data for good? </span>
            <button type="button" class="small danger" onClick={() => void down(true)}>
              Yes, purge
            </button>
            <button type="button" class="small" onClick={() => setConfirm(false)}>
              Cancel
            </button>
          </span>
        ) : (
          <>
            <button
              type="button"
              class="small"
              onClick={() => void down(false)}
              aria-label={`Down ${s.name}, keep data`}
            >
              Down
            </button>
            <button
              type="button"
              class="small danger"
              onClick={() => setConfirm(true)}
              aria-label={`Down ${s.name} and purge`}
            >
              Down + purge
            </button>
          </>
        )}
        <ErrorBox error={error} />
      </td>
    </tr>
  );
}

function Apply({ onApplied }: { onApplied: () => void }) {
  const { session } = useApp();
  const [name, setName] = useState('');
  const [source, setSource] = useState('');
  const [plan, setPlan] = useState<PlanView>();
  const [result, setResult] = useState<DeployResultView>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const edit = (f: () => void) => {
    f();
    setPlan(undefined);
    setResult(undefined);
  };
  const act = async (f: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await f();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="form wide" onSubmit={(e) => e.preventDefault()} aria-labelledby="apply-title">
      <h2 id="apply-title">Apply a stack or Compose file</h2>
      <div class="field">
        <label for="stack-name">Stack name</label>
        <input
          id="stack-name"
          value={name}
          required
          onInput={(e) => edit(() => setName(e.currentTarget.value))}
        />
      </div>
      <div class="field">
        <label for="stack-file">Upload a file</label>
        <input
          id="stack-file"
          type="file"
          accept=".yml,.yaml,text/yaml"
          onChange={async (e) => {
            const file = e.currentTarget.files?.[0];
            if (!file) return;
            const text = await file.text();
            edit(() => {
              setSource(text);
              if (!name) setName(file.name.replace(/\.(ya?ml)$/, '').replace(/[^a-z0-9-]/g, '-'));
            });
          }}
        />
      </div>
      <div class="field">
        <label for="stack-source">Or paste it</label>
        <textarea
          id="stack-source"
          rows={8}
          spellcheck={false}
          value={source}
          onInput={(e) => edit(() => setSource(e.currentTarget.value))}
        />
      </div>
      <div class="buttons">
        <button
          type="button"
          disabled={busy || !name || !source}
          onClick={() => void act(async () => setPlan(await session.client.planStack(name, source)))}
        >
          Show the plan
        </button>
        <button
          type="button"
          disabled={busy || !plan}
          title={plan ? undefined : 'See the plan first'}
          onClick={() =>
            void act(async () => {
              setResult(await session.client.applyStack(name, source));
              setPlan(undefined);
              onApplied();
            })
          }
        >
          Apply
        </button>
      </div>
      <ErrorBox error={error} />
      {plan && <PlanDiff plan={plan} />}
      {result && (
        <p class="ok" role="status">
          Applied (revision {result.revision}): {summary(result)}
        </p>
      )}
    </form>
  );
}

function summary(
  r: Pick<DeployResultView, 'created' | 'updated' | 'unchanged' | 'removed' | 'waiting'>,
): string {
  const parts = [
    ['created', r.created],
    ['updated', r.updated],
    ['unchanged', r.unchanged],
    ['removed', r.removed],
    ['waiting', r.waiting.map((w) => w.name)],
  ] as const;
  return (
    parts
      .filter(([, l]) => l.length > 0)
      .map(([k, l]) => `${k} ${l.join(', ')}`)
      .join('; ') || 'nothing to do'
  );
}

function PlanDiff({ plan }: { plan: PlanView }) {
  return (
    <div class="panel" aria-label="Plan">
      <h3>Plan, not applied yet: {summary(plan)}</h3>
      {plan.warnings?.map((w) => (
        <p class="warn">{w}</p>
      ))}
      <ul class="plan">
        {plan.owners.map((o) => (
          <li class={`p-${o.action}`} data-owner={o.name}>
            <span class="sign" aria-hidden="true">
              {{ create: '+', update: '~', unchanged: '=', remove: '−', wait: '…' }[o.action]}
            </span>{' '}
            <strong>{o.written ?? o.name}</strong> <span class="muted">{o.kind}</span> {ACTION_TEXT[o.action]}
            {o.changes.length > 0 && <span> ({o.changes.join(', ')})</span>}
            {o.reason && <span class="warn"> — {o.reason}</span>}
            {o.tasks.length > 0 && (
              <ul>
                {o.tasks.map((t) => (
                  <li>
                    {t.id}: {t.action} on {t.node} ({t.host}
                    {t.ports.length ? `:${t.ports.join(',')}` : ''})
                    {t.changes.length ? ` — ${t.changes.join(', ')}` : ''}
                  </li>
                ))}
              </ul>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
