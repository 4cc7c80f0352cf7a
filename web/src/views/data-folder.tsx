import { useRef, useState } from 'preact/hooks';
import type { DataFolderView } from '../../../src/core/data-schemas.js';
import { Bar, ErrorBox, useApp } from '../ui.js';

const MB = 1024 * 1024;

export function bytes(n: number): string {
  if (n >= MB) return `${(n / MB).toFixed(1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${n} B`;
}

/** The tenant's data folder: its size and room, its files, and an upload (refusals shown coded). */
export function DataFolderPanel({
  folder,
  onChange,
}: {
  folder: DataFolderView | undefined;
  onChange: () => void;
}) {
  const { session } = useApp();
  const input = useRef<HTMLInputElement>(null);
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState('');
  const [busy, setBusy] = useState(false);
  const upload = async () => {
    const file = input.current?.files?.[0];
    if (!file) return;
    setBusy(true);
    setError(undefined);
    setDone('');
    try {
      const up = await session.client.uploadData(file.name, file);
      setDone(`Uploaded ${up.path} (${bytes(up.bytes)}).`);
      if (input.current) input.current.value = '';
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
      onChange();
    }
  };
  return (
    <section class="panel" aria-labelledby="data-title">
      <h2 id="data-title">Data folder</h2>
      {folder && (
        <>
          <p>
            <code data-testid="data-path">{folder.path}</code>{' '}
            <span class="muted">
              ($FLOTILLA_DATA of every task and job;{' '}
              {folder.sizeMb === null ? 'no size of its own' : `${folder.sizeMb} MB, enforced`})
            </span>
          </p>
          <Bar
            label="Used"
            used={Math.round(folder.usedBytes / MB)}
            total={Math.round(folder.totalBytes / MB)}
            unit="MB"
          />
          <table class="table" aria-label="Files in the data folder">
            <thead>
              <tr>
                <th>Path</th>
                <th>Size</th>
                <th>Modified</th>
              </tr>
            </thead>
            <tbody>
              {folder.entries.map((e) => (
                <tr data-file={e.path}>
                  <td>
                    {e.path}
                    {e.kind === 'dir' ? '/' : e.kind === 'link' ? ' →' : ''}
                  </td>
                  <td>{e.kind === 'file' ? bytes(e.bytes) : ''}</td>
                  <td class="muted">{new Date(e.modifiedAt).toLocaleString()}</td>
                </tr>
              ))}
              {folder.entries.length === 0 && (
                <tr>
                  <td colSpan={3} class="muted">
                    (empty)
                  </td>
                </tr>
              )}
            </tbody>
          </table>
          {folder.truncated && <p class="muted">More files than shown.</p>}
        </>
      )}
      <form
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          void upload();
        }}
      >
        <label for="upload-file">File to upload</label>
        <input id="upload-file" type="file" ref={input} />
        <button type="submit" disabled={busy}>
          {busy ? 'Uploading…' : 'Upload'}
        </button>
      </form>
      {done && (
        <p class="ok" role="status">
          {done}
        </p>
      )}
      <ErrorBox error={error} title="Upload refused" />
    </section>
  );
}
