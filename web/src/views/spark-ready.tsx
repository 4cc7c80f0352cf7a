import { useEffect, useRef, useState } from 'preact/hooks';
import type { JobView } from '../../../src/core/job-schemas.js';
import { CopyButton, ErrorBox, State, Status, useApp, useLiveData } from '../ui.js';
import { DataFolderPanel } from './data-folder.js';
import {
  SAMPLE_APP,
  SAMPLE_APP_TEXT,
  SAMPLE_INPUT,
  SAMPLE_INPUT_TEXT,
  SAMPLE_OUTPUT,
} from './spark-sample.js';
import { Steps } from './spark-steps.js';

const MAX_OUTPUT = 200_000;

/** Step 3: the cluster's addresses, the data folder, and a sample job whose output streams in. */
export function SparkReady({ name }: { name: string }) {
  const { session } = useApp();
  const c = session.client;
  const svc = useLiveData(
    () => c.getService(name),
    [name],
    (e) => {
      const d = e.data as { owner?: string };
      return d.owner === undefined || d.owner === name;
    },
  );
  const folder = useLiveData(
    () => c.dataFolder(),
    [],
    () => false,
  );
  const s = svc.data;
  const values = Object.assign({}, ...(s?.endpoints ?? []).map((e) => e.values)) as Record<string, string>;
  const ready = s?.status === 'ready';
  const workerMb = Number((s?.options as { workerMemoryMb?: number } | undefined)?.workerMemoryMb ?? 1024);
  return (
    <section aria-labelledby="ready-title">
      <Steps at={ready ? 3 : 2} />
      <div class="toolbar">
        <h1 id="ready-title">{ready ? `Ready! Spark cluster ${name}` : `Creating Spark cluster ${name}…`}</h1>
        {s && <Status status={s.status} />}
        <a href={`#/services/${encodeURIComponent(name)}`}>Tasks and logs</a>
      </div>
      <ErrorBox error={svc.error} />
      {s?.message && <p class="warn">{s.message}</p>}
      {s && (
        <dl class="kv">
          <div>
            <dt>Master URL</dt>
            <dd>
              {values.masterUrl ? (
                <>
                  <code data-testid="master-url">{values.masterUrl}</code>{' '}
                  <CopyButton text={values.masterUrl} label="master URL" />
                </>
              ) : (
                '…'
              )}
            </dd>
          </div>
          <div>
            <dt>Web UI</dt>
            <dd>
              {values.masterUi ? (
                <a href={values.masterUi} target="_blank" rel="noreferrer" data-testid="master-ui">
                  {values.masterUi}
                </a>
              ) : (
                '…'
              )}
            </dd>
          </div>
          <div>
            <dt>Workers</dt>
            <dd>
              {s.tasks.filter((t) => t.role === 'worker' && t.ready).length} ready of{' '}
              {s.tasks.filter((t) => t.role === 'worker').length}
            </dd>
          </div>
        </dl>
      )}
      <DataFolderPanel folder={folder.data} onChange={folder.reload} />
      <SampleJob
        service={name}
        ready={ready}
        executorMb={Math.min(1024, workerMb)}
        files={(folder.data?.entries ?? [])
          .filter((e) => e.kind === 'file' && e.path !== SAMPLE_APP)
          .map((e) => e.path)}
        onFiles={folder.reload}
      />
    </section>
  );
}

function SampleJob(props: {
  service: string;
  ready: boolean;
  executorMb: number;
  files: string[];
  onFiles: () => void;
}) {
  const { session } = useApp();
  const c = session.client;
  const [input, setInput] = useState(SAMPLE_INPUT);
  const [job, setJob] = useState<JobView>();
  const [output, setOutput] = useState('');
  const [error, setError] = useState<unknown>();
  const [running, setRunning] = useState(false);
  const abort = useRef<AbortController>();
  const pre = useRef<HTMLPreElement>(null);
  useEffect(() => () => abort.current?.abort(), []);
  useEffect(() => {
    if (pre.current) pre.current.scrollTop = pre.current.scrollHeight;
  }, [output]);
  const choices = [...new Set([SAMPLE_INPUT, ...props.files])];
  const run = async () => {
    setRunning(true);
    setError(undefined);
    setOutput('');
    setJob(undefined);
    abort.current?.abort();
    const stop = new AbortController();
    abort.current = stop;
    try {
      const enc = new TextEncoder();
      await c.uploadData(SAMPLE_APP, enc.encode(SAMPLE_APP_TEXT));
      if (input === SAMPLE_INPUT && !props.files.includes(SAMPLE_INPUT))
        await c.uploadData(SAMPLE_INPUT, enc.encode(SAMPLE_INPUT_TEXT));
      props.onFiles();
      const submitted = await c.submitJob(props.service, {
        app: SAMPLE_APP,
        args: [input, SAMPLE_OUTPUT],
        conf: { 'spark.executor.memory': `${props.executorMb}m` },
      });
      setJob(submitted);
      await c.followJobLogs(
        props.service,
        submitted.id,
        {},
        (chunk) => setOutput((t) => (t + chunk).slice(-MAX_OUTPUT)),
        stop.signal,
      );
      if (!stop.signal.aborted) setJob(await c.getJob(props.service, submitted.id));
      props.onFiles();
    } catch (err) {
      setError(err);
    } finally {
      setRunning(false);
    }
  };
  return (
    <section class="panel" aria-labelledby="job-title">
      <h2 id="job-title">Sample job: word count</h2>
      <p class="muted">
        Uploads <code>{SAMPLE_APP}</code> (PySpark) into your data folder and runs it on the cluster over the
        file you pick; the counts go to <code>{SAMPLE_OUTPUT}</code>.
      </p>
      <form
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <label for="job-input">Input file</label>
        <select id="job-input" value={input} onChange={(e) => setInput(e.currentTarget.value)}>
          {choices.map((f) => (
            <option value={f}>{f}</option>
          ))}
        </select>
        <button type="submit" disabled={!props.ready || running}>
          {running ? 'Running…' : 'Run sample job'}
        </button>
        {!props.ready && <span class="muted">once the cluster is ready</span>}
        {job && (
          <span>
            {job.id} <State state={job.state} />
            {job.exitCode !== null && <span class="muted"> exit {job.exitCode}</span>}
          </span>
        )}
      </form>
      <ErrorBox error={error} />
      {(job || output) && (
        <pre class="log" ref={pre} aria-label="Sample job output" tabIndex={0} data-testid="job-output">
          {output || '(waiting for the driver…)'}
        </pre>
      )}
    </section>
  );
}
