import { useEffect, useState } from 'preact/hooks';
import type {
  KafkaBytesView,
  KafkaMessagesView,
  KafkaTopicSummary,
} from '../../../src/core/kafka-schemas.js';
import { ErrorBox, useApp } from '../ui.js';

/** The latest N messages of one partition: offset, time, key, value and headers. */
export function MessageBrowser({
  service,
  topics,
  topic: selected,
}: {
  service: string;
  topics: KafkaTopicSummary[];
  topic: string | null;
}) {
  const { session } = useApp();
  const [topic, setTopic] = useState(selected ?? topics[0]?.name ?? '');
  const [partition, setPartition] = useState(0);
  const [limit, setLimit] = useState(20);
  const [page, setPage] = useState<KafkaMessagesView>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (selected) setTopic(selected);
  }, [selected]);
  const partitions = topics.find((t) => t.name === topic)?.partitions ?? 0;
  const show = (e?: Event) => {
    e?.preventDefault();
    if (!topic) return;
    setBusy(true);
    session.client
      .kafkaMessages(service, topic, { partition, limit })
      .then(
        (p) => (setPage(p), setError(undefined)),
        (err) => (setPage(undefined), setError(err)),
      )
      .finally(() => setBusy(false));
  };
  return (
    <div>
      <h3>Messages</h3>
      <form class="toolbar" onSubmit={show} aria-label="Browse messages">
        <label>
          Topic{' '}
          <select
            aria-label="Topic"
            value={topic}
            onChange={(e) => (setTopic(e.currentTarget.value), setPartition(0))}
          >
            {topics.map((t) => (
              <option value={t.name}>{t.name}</option>
            ))}
          </select>
        </label>
        <label>
          Partition{' '}
          <select
            aria-label="Partition"
            value={partition}
            onChange={(e) => setPartition(Number(e.currentTarget.value))}
          >
            {Array.from({ length: partitions }, (_, i) => (
              <option value={i}>{i}</option>
            ))}
          </select>
        </label>
        <label>
          Latest{' '}
          <input
            type="number"
            aria-label="Latest N messages"
            min={1}
            max={500}
            value={limit}
            style={{ width: '6em' }}
            onChange={(e) => setLimit(Number(e.currentTarget.value))}
          />
        </label>
        <button type="submit" class="small" disabled={busy || !topic}>
          {busy ? 'Reading…' : 'Show messages'}
        </button>
      </form>
      <ErrorBox error={error} />
      {page && (
        <>
          <p class="muted" role="status">
            {page.messages.length} latest of the {page.end - page.start} messages in {page.topic}/
            {page.partition} (offsets {page.start} to {page.end - 1})
            {page.omitted > 0 && `; ${page.omitted} older left out to keep the page under 4 MiB`}
          </p>
          <table class="table" aria-label="Messages">
            <thead>
              <tr>
                <th>Offset</th>
                <th>Time</th>
                <th>Key</th>
                <th>Value</th>
                <th>Headers</th>
              </tr>
            </thead>
            <tbody>
              {page.messages.map((m) => (
                <tr data-offset={m.offset}>
                  <td>{m.offset}</td>
                  <td>{new Date(m.timestamp).toLocaleString()}</td>
                  <td class="msg">
                    <Bytes b={m.key} />
                  </td>
                  <td class="msg">
                    <Bytes b={m.value} />
                  </td>
                  <td class="msg">
                    {m.headers.map((h) => (
                      <div>
                        {h.key}: <Bytes b={h.value} />
                      </div>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}

function Bytes({ b }: { b: KafkaBytesView | null }) {
  if (!b) return <span class="muted">null</span>;
  return (
    <span class="bytes">
      {b.encoding === 'base64' && <span class="badge">base64</span>}
      <code>{b.data}</code>
      {b.truncated && <span class="muted"> … ({b.size} bytes)</span>}
    </span>
  );
}
