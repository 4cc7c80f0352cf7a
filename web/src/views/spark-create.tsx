import { useEffect, useState } from 'preact/hooks';
import type { DataFolderView } from '../../../src/core/data-schemas.js';
import { asCoded, encodeName, ErrorBox, useApp } from '../ui.js';
import { Steps } from './spark-steps.js';

interface Field {
  key: 'name' | 'workers' | 'workerCores' | 'workerMemoryMb' | 'dataMb';
  label: string;
  help: string;
  /** Why the text is not acceptable, or null. */
  check: (text: string) => string | null;
}

const int = (min: number, max: number) => (t: string) =>
  !/^\d+$/.test(t.trim())
    ? 'must be a whole number'
    : Number(t) < min
      ? `must be at least ${min}`
      : Number(t) > max
        ? `must be at most ${max}`
        : null;

const FIELDS: Field[] = [
  {
    key: 'name',
    label: 'Cluster name',
    help: 'The service name: lower-case letters, digits and dashes.',
    check: (t) => (/^[a-z][a-z0-9-]{0,39}$/.test(t) ? null : 'must start with a letter: a-z, 0-9 and -'),
  },
  { key: 'workers', label: 'Workers', help: 'Standalone workers, one per node.', check: int(1, 16) },
  {
    key: 'workerCores',
    label: 'Worker cores',
    help: 'Cores each worker offers to executors.',
    check: int(1, 256),
  },
  {
    key: 'workerMemoryMb',
    label: 'Worker memory (MB)',
    help: 'Memory each worker offers to executors; Spark needs at least 450 MB for one.',
    check: int(450, 1024 * 1024),
  },
  {
    key: 'dataMb',
    label: 'Data folder size (MB)',
    help: "Your data folder's size, shared by every cluster of yours: writes past it fail. It only grows; empty keeps it as it is.",
    check: (t) => (t.trim() === '' ? null : int(8, 1024 * 1024)(t)),
  },
];

/** Step 2: the cluster's shape and the data folder's size; then the ready page. */
export function SparkCreate() {
  const { session } = useApp();
  const c = session.client;
  const [texts, setTexts] = useState<Record<Field['key'], string>>({
    name: 'spark',
    workers: '1',
    workerCores: '1',
    workerMemoryMb: '512',
    dataMb: '256',
  });
  const [errors, setErrors] = useState<Partial<Record<Field['key'], string>>>({});
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [folder, setFolder] = useState<DataFolderView>();
  useEffect(() => {
    c.dataFolder().then(setFolder, () => undefined);
  }, [c]);

  const submit = async () => {
    const found = Object.fromEntries(
      FIELDS.flatMap((f) => {
        const why = f.check(texts[f.key]);
        return why ? [[f.key, `${f.label} ${why}`]] : [];
      }),
    );
    setErrors(found);
    setError(undefined);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    const name = texts.name;
    try {
      const size = texts.dataMb.trim() === '' ? null : Number(texts.dataMb);
      if (size !== null && size !== folder?.sizeMb) {
        try {
          setFolder(await c.setDataSize(size));
        } catch (err) {
          setErrors({ dataMb: asCoded(err).message });
          throw err;
        }
      }
      await c.installService({
        name,
        package: 'spark',
        options: {
          workers: Number(texts.workers),
          workerCores: Number(texts.workerCores),
          workerMemoryMb: Number(texts.workerMemoryMb),
        },
      });
      location.hash = `#/spark/${encodeName(name)}`;
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="wiz-title">
      <Steps at={2} />
      <h1 id="wiz-title">Create a Spark cluster</h1>
      <form
        class="form wizard"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <div class="field">
          <label for="w-framework">Framework</label>
          <select id="w-framework" disabled>
            <option>Spark (standalone)</option>
          </select>
        </div>
        {FIELDS.map((f) => (
          <div class={`field${errors[f.key] ? ' invalid' : ''}`}>
            <label for={`w-${f.key}`}>{f.label}</label>
            <input
              id={`w-${f.key}`}
              type="text"
              inputMode={f.key === 'name' ? undefined : 'numeric'}
              autocomplete="off"
              value={texts[f.key]}
              aria-invalid={errors[f.key] ? true : undefined}
              aria-describedby={`w-${f.key}-help${errors[f.key] ? ` w-${f.key}-err` : ''}`}
              onInput={(e) => {
                const text = e.currentTarget.value;
                setTexts((old) => ({ ...old, [f.key]: text }));
                // A field's message goes once it is edited; the next submit checks again.
                setErrors((old) => ({ ...old, [f.key]: undefined }));
              }}
            />
            <p class="help" id={`w-${f.key}-help`}>
              {f.help}
              {f.key === 'dataMb' && folder && (
                <> Now: {folder.sizeMb === null ? 'no size of its own' : `${folder.sizeMb} MB`}.</>
              )}
            </p>
            {errors[f.key] && (
              <p class="field-error" id={`w-${f.key}-err`} role="alert">
                {errors[f.key]}
              </p>
            )}
          </div>
        ))}
        <button type="submit" disabled={busy}>
          {busy ? 'Creating…' : 'Create cluster'}
        </button>
        <ErrorBox error={error} />
      </form>
    </section>
  );
}
