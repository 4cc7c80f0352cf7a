import { useEffect, useRef, useState } from 'preact/hooks';
import type { TaskView } from '../../../src/core/api-schemas.js';
import type { QueueView, WhyView } from '../../../src/core/tenant-schemas.js';
import { KafkaPanel } from './kafka.js';
import { PlansPanel } from './plans.js';
import { Actions } from './services.js';
import { CopyButton, ErrorBox, State, Status, useApp, useLiveData } from '../ui.js';

/**
 * One service or app: its tasks, endpoints, options (secrets redacted), a task's log, and why it
 * waits; a Kafka service has a second tab, its data plane.
 */
export function ServicePage({
  name,
  kind,
  tab = 'overview',
}: {
  name: string;
  kind: 'service' | 'app';
  tab?: 'overview' | 'kafka';
}) {
  const { session } = useApp();
  const c = session.client;
  const { data, error, reload } = useLiveData(
    async () => {
      try {
        const owner = kind === 'app' ? await c.getApp(name) : await c.getService(name);
        return { owner, queued: null as QueueView | null };
      } catch (err) {
        // Not admitted yet: the queue says why it waits.
        const queued = (await c.listWaiting()).find((q) => q.owner === name);
        if (!queued) throw err;
        return { owner: null, queued };
      }
    },
    [name, kind],
    (e) => {
      const d = e.data as { owner?: string };
      return d.owner === undefined || d.owner === name;
    },
  );
  const [logTask, setLogTask] = useState<string | null>(null);
  const owner = data?.owner;
  const tasks: TaskView[] = owner?.tasks ?? [];
  useEffect(() => {
    if (!logTask && tasks[0]) setLogTask(tasks[0].id);
  }, [tasks.length]);
  return (
    <section aria-labelledby="svc-title">
      <p>
        <a href="#/services">← Services</a>
      </p>
      <div class="toolbar">
        <h1 id="svc-title">{name}</h1>
        {owner && <Status status={owner.status} />}
        {owner && 'package' in owner && (
          <span class="muted">
            {owner.package} {owner.version}
          </span>
        )}
        {owner && (
          <Actions
            row={{ kind, name, wanted: 'instances' in owner ? owner.instances : tasks.length }}
            onDone={() => (kind === 'app' ? reload() : (location.hash = '#/services'))}
          />
        )}
      </div>
      <ErrorBox error={error} />
      {owner?.message && <p class="warn">{owner.message}</p>}
      {data?.queued && <Waiting queued={data.queued} />}
      {owner && 'package' in owner && owner.package === 'kafka' && <Tabs name={name} tab={tab} />}
      {owner && tab === 'kafka' && <KafkaPanel service={name} />}
      {owner && tab !== 'kafka' && (
        <>
          <h2>Tasks</h2>
          <table class="table" aria-label="Tasks">
            <thead>
              <tr>
                <th>Task</th>
                <th>Node</th>
                <th>Address</th>
                <th>Ports</th>
                <th>State</th>
                <th>Health</th>
                <th>
                  <abbr title="Failed runs in a row (the backoff counts them)">Restarts</abbr>
                </th>
                <th>Launches</th>
                <th>Last failure</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {tasks.map((t) => (
                <TaskRow task={t} onLogs={() => setLogTask(t.id)} onDone={reload} />
              ))}
            </tbody>
          </table>
          {'endpoints' in owner && owner.endpoints.length > 0 && (
            <>
              <h2>Endpoints</h2>
              <dl class="kv">
                {owner.endpoints.flatMap((ep) =>
                  Object.entries(ep.values).map(([k, v]) => (
                    <div>
                      <dt>
                        {ep.name}.{k}
                      </dt>
                      <dd>
                        <code>{v}</code> <CopyButton text={v} label={`${ep.name}.${k}`} />
                      </dd>
                    </div>
                  )),
                )}
              </dl>
            </>
          )}
          {kind === 'service' && <PlansPanel service={name} />}
          <h2>Options</h2>
          <pre class="options" aria-label="Options (secrets redacted)">
            {JSON.stringify('options' in owner ? owner.options : owner.spec, null, 2)}
          </pre>
          {tasks.some((t) => t.desired === 'running' && !t.ready) && <WhyTasks tasks={tasks} />}
          {logTask && <LogTail tasks={tasks} task={logTask} onTask={setLogTask} />}
        </>
      )}
    </section>
  );
}

function Tabs({ name, tab }: { name: string; tab: 'overview' | 'kafka' }) {
  const base = `#/services/${encodeURIComponent(name)}`;
  return (
    <nav class="tabs" aria-label="Service views">
      <a href={base} aria-current={tab === 'overview' ? 'page' : undefined}>
        Overview
      </a>
      <a href={`${base}/kafka`} aria-current={tab === 'kafka' ? 'page' : undefined}>
        Kafka
      </a>
    </nav>
  );
}

function TaskRow({ task: t, onLogs, onDone }: { task: TaskView; onLogs: () => void; onDone: () => void }) {
  const { session } = useApp();
  const [error, setError] = useState<unknown>();
  const health = !t.pid
    ? '—'
    : t.ready
      ? 'healthy'
      : t.healthFailures > 0
        ? `failing checks (${t.healthFailures})`
        : 'not ready';
  return (
    <tr data-task={t.id}>
      <td>{t.id}</td>
      <td>{t.node}</td>
      <td>{t.host}</td>
      <td>{t.ports.join(', ') || '—'}</td>
      <td>
        <State state={t.state} />
      </td>
      <td class={t.ready ? 'ok' : 'warn'} data-testid="health">
        {health}
      </td>
      <td>{t.restarts}</td>
      <td data-testid="launches">{t.launches}</td>
      <td class="msg">{t.message ?? (t.exitCode !== null ? `exit ${t.exitCode}` : '')}</td>
      <td class="actions">
        <button type="button" class="small" onClick={onLogs} aria-label={`Logs of ${t.id}`}>
          Logs
        </button>
        {t.pid ? (
          <a
            class="button small"
            href={`#/terminal/${encodeURIComponent(t.id)}`}
            aria-label={`Terminal of ${t.id}`}
          >
            Terminal
          </a>
        ) : null}
        <button
          type="button"
          class="small danger"
          disabled={!t.pid}
          aria-label={`Kill ${t.id}`}
          onClick={() => session.client.killTask(t.id).then(() => (setError(undefined), onDone()), setError)}
        >
          Kill
        </button>
        <ErrorBox error={error} />
      </td>
    </tr>
  );
}

function Waiting({ queued }: { queued: QueueView }) {
  const { session } = useApp();
  const [why, setWhy] = useState<WhyView>();
  useEffect(() => {
    session.client.why(queued.owner).then(setWhy, () => undefined);
  }, [queued.owner, queued.reason]);
  return (
    <div class="panel" aria-label="Why it waits">
      <h2>Why it waits</h2>
      <p>
        <strong>{queued.reasonKind}</strong>: {queued.reason}{' '}
        <span class="muted">(since {new Date(queued.since).toLocaleString()})</span>
      </p>
      {why && <WhyNodes why={why} />}
    </div>
  );
}

function WhyTasks({ tasks }: { tasks: TaskView[] }) {
  const { session } = useApp();
  const pending = tasks.filter((t) => t.desired === 'running' && !t.ready);
  const [whys, setWhys] = useState<WhyView[]>([]);
  useEffect(() => {
    Promise.all(pending.map((t) => session.client.why(t.id))).then(setWhys, () => undefined);
  }, [pending.map((t) => `${t.id}:${t.state}`).join()]);
  return (
    <div class="panel" aria-label="Why not ready">
      <h2>Why not ready</h2>
      {pending.map((t) => (
        <p>
          <strong>{t.id}</strong> is {t.state}
          {t.message ? `: ${t.message}` : ''}
        </p>
      ))}
      {whys.map((w) => (
        <WhyNodes why={w} />
      ))}
    </div>
  );
}

function WhyNodes({ why }: { why: WhyView }) {
  return (
    <div>
      <p>{why.summary}</p>
      {why.quota && <p class="warn">Quota: {why.quota}</p>}
      {why.nodes.length > 0 && (
        <ul>
          {why.nodes.map((n) => (
            <li>
              {n.nodeId}: {n.fits ? 'fits' : n.reasons.join('; ')}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

const MAX_LOG = 200_000;

/** The last lines of a task's stdout or stderr, and, with follow, what it writes next. */
function LogTail({ tasks, task, onTask }: { tasks: TaskView[]; task: string; onTask: (t: string) => void }) {
  const { session } = useApp();
  const [stream, setStream] = useState<'stdout' | 'stderr'>('stdout');
  const [follow, setFollow] = useState(true);
  const [text, setText] = useState('');
  const [error, setError] = useState<unknown>();
  const pre = useRef<HTMLPreElement>(null);
  useEffect(() => {
    setText('');
    setError(undefined);
    const abort = new AbortController();
    const opts = { stream, tail: 200 };
    const add = (chunk: string) => setText((t) => (t + chunk).slice(-MAX_LOG));
    if (follow) session.client.followLogs(task, opts, add, abort.signal).catch(setError);
    else session.client.logs(task, opts).then(add, setError);
    return () => abort.abort();
  }, [task, stream, follow]);
  useEffect(() => {
    if (follow && pre.current) pre.current.scrollTop = pre.current.scrollHeight;
  }, [text]);
  return (
    <div>
      <div class="toolbar">
        <h2>Log</h2>
        <select
          aria-label="Task whose log to show"
          value={task}
          onChange={(e) => onTask(e.currentTarget.value)}
        >
          {tasks.map((t) => (
            <option value={t.id}>{t.id}</option>
          ))}
        </select>
        <select
          aria-label="Stream"
          value={stream}
          onChange={(e) => setStream(e.currentTarget.value as 'stdout' | 'stderr')}
        >
          <option value="stdout">stdout</option>
          <option value="stderr">stderr</option>
        </select>
        <label>
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.currentTarget.checked)} />{' '}
          Follow
        </label>
      </div>
      <ErrorBox error={error} />
      <pre class="log" ref={pre} aria-label={`Log of ${task}`} aria-live="off" tabIndex={0}>
        {text || '(nothing written yet)'}
      </pre>
    </div>
  );
}
