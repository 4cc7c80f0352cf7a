import { useEffect, useState } from 'preact/hooks';
import type { PackageDescription, PackageSummary } from '../../../src/core/api-schemas.js';
import { fieldsNamed, fieldsOf, initialText, readForm, type Field, type FieldSchema } from '../schema.js';
import { ErrorBox, asCoded, encodeName, useApp } from '../ui.js';

/** A card per package of the catalog. */
export function CatalogView() {
  const { session } = useApp();
  const [pkgs, setPkgs] = useState<PackageSummary[]>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    session.client.listPackages().then(setPkgs, setError);
  }, [session]);
  return (
    <section aria-labelledby="cat-title">
      <h1 id="cat-title">Catalog</h1>
      <ErrorBox error={error} />
      <ul class="cards">
        {pkgs?.map((p) => (
          <li class="card">
            <h2>
              <a href={`#/catalog/${encodeName(p.name)}`}>{p.name}</a> <span class="muted">{p.version}</span>
            </h2>
            <p>{p.description}</p>
            <a class="button" href={`#/catalog/${encodeName(p.name)}`} aria-label={`Install ${p.name}`}>
              Install…
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The install form of one package, generated from its options schema. */
export function PackageView({ name }: { name: string }) {
  const { session } = useApp();
  const [pkg, setPkg] = useState<PackageDescription>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    session.client.describePackage(name).then(setPkg, setError);
  }, [name]);
  return (
    <section aria-labelledby="pkg-title">
      <p>
        <a href="#/catalog">← Catalog</a>
      </p>
      <h1 id="pkg-title">
        Install {name} {pkg && <span class="muted">{pkg.version}</span>}
      </h1>
      <ErrorBox error={error} />
      {pkg && <InstallForm pkg={pkg} />}
    </section>
  );
}

function InstallForm({ pkg }: { pkg: PackageDescription }) {
  const { session } = useApp();
  const fields = fieldsOf(pkg.optionsSchema as FieldSchema);
  const [service, setService] = useState(pkg.name);
  const [texts, setTexts] = useState<Record<string, string>>(() =>
    Object.fromEntries(fields.map((f) => [f.name, initialText(f)])),
  );
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [daemonError, setDaemonError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const read = readForm(fields, texts);
    const nameError = /^[a-z][a-z0-9-]{0,62}$/.test(service)
      ? null
      : 'lowercase letters, digits and dashes, starting with a letter';
    setErrors({ ...read.errors, ...(nameError ? { '': nameError } : {}) });
    setDaemonError(undefined);
    if (nameError || Object.keys(read.errors).length > 0) return;
    setBusy(true);
    try {
      await session.client.installService({ name: service, package: pkg.name, options: read.options });
      location.hash = `#/services/${encodeName(service)}`;
    } catch (err) {
      // The daemon's coded error goes next to each field it names; the whole error stays on top.
      const named = fieldsNamed(asCoded(err).details);
      setErrors(Object.fromEntries(named.map((n) => [n, asCoded(err).message])));
      setDaemonError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="form" onSubmit={submit} noValidate>
      <ErrorBox error={daemonError} title="The daemon refused" />
      <div class="field">
        <label for="f-name">Service name</label>
        <input
          id="f-name"
          value={service}
          required
          aria-invalid={errors[''] ? true : undefined}
          aria-describedby={errors[''] ? 'e-name' : undefined}
          onInput={(e) => setService(e.currentTarget.value)}
        />
        {errors[''] && (
          <p class="field-error" id="e-name">
            {errors['']}
          </p>
        )}
      </div>
      {fields.map((f) => (
        <FieldInput
          field={f}
          text={texts[f.name] ?? ''}
          error={errors[f.name]}
          onText={(t) => setTexts((old) => ({ ...old, [f.name]: t }))}
        />
      ))}
      <button type="submit" disabled={busy}>
        {busy ? 'Installing…' : `Install ${pkg.name}`}
      </button>
    </form>
  );
}

function FieldInput({
  field: f,
  text,
  error,
  onText,
}: {
  field: Field;
  text: string;
  error: string | undefined;
  onText: (t: string) => void;
}) {
  const id = `f-${f.name}`;
  const common = {
    id,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': `${id}-help${error ? ` ${id}-err` : ''}`,
  };
  let input;
  if (f.input === 'enum') {
    input = (
      <select {...common} value={text} onChange={(e) => onText(e.currentTarget.value)}>
        {!f.required && f.schema.default === undefined && <option value="">(unset)</option>}
        {f.schema.enum?.map((v) => (
          <option value={String(v)}>{String(v)}</option>
        ))}
      </select>
    );
  } else if (f.input === 'boolean') {
    input = (
      <input
        {...common}
        type="checkbox"
        checked={text === 'true'}
        onChange={(e) => onText(String(e.currentTarget.checked))}
      />
    );
  } else {
    input = (
      <input
        {...common}
        type={
          f.schema.writeOnly ? 'password' : f.input === 'integer' || f.input === 'number' ? 'text' : 'text'
        }
        inputMode={f.input === 'integer' ? 'numeric' : f.input === 'number' ? 'decimal' : undefined}
        autocomplete="off"
        placeholder={f.schema.examples ? String(f.schema.examples[0]) : undefined}
        value={text}
        onInput={(e) => onText(e.currentTarget.value)}
      />
    );
  }
  return (
    <div class={`field${error ? ' invalid' : ''}`}>
      <span class="label-line">
        <label for={id}>
          {f.name}
          {f.required && <span aria-hidden="true"> *</span>}
        </label>{' '}
        <span class="muted">
          {Array.isArray(f.schema.type) ? f.schema.type.join('|') : (f.schema.type ?? '')}
        </span>
      </span>
      {input}
      <p class="help" id={`${id}-help`}>
        {f.schema.description}
      </p>
      {error && (
        <p class="field-error" id={`${id}-err`} role="alert">
          {f.name} {error}
        </p>
      )}
    </div>
  );
}
