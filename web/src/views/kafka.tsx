import { useEffect, useState } from 'preact/hooks';
import type { KafkaGroupView, KafkaTopicView } from '../../../src/core/kafka-schemas.js';
import { ErrorBox, useApp, useLiveData } from '../ui.js';
import { MessageBrowser } from './kafka-messages.js';

/** Refreshes on its own only when asked, and then no faster than this: never a tight loop. */
const AUTO_REFRESH_MS = 10_000;

/**
 * Kafka's data plane on a Kafka service's page (what Kafka UI shows beside an orchestrator): the
 * brokers and topics, a topic's partitions with leader, replicas and in-sync replicas, the consumer
 * groups with their lag, and the latest messages of a partition. Read through the daemon; refreshed
 * when the service's tasks change, with the Refresh button, or every 10 s when asked.
 */
export function KafkaPanel({ service }: { service: string }) {
  const { session } = useApp();
  const c = session.client;
  const [internal, setInternal] = useState(false);
  const [auto, setAuto] = useState(false);
  const [topic, setTopic] = useState<string | null>(null);
  const { data, error, reload } = useLiveData(
    async () => {
      const [topics, groups] = await Promise.all([c.kafkaTopics(service), c.kafkaGroups(service)]);
      const shown = topic ?? topics.topics.find((t) => !t.internal)?.name ?? null;
      const detail = shown ? await c.kafkaTopic(service, shown).catch(() => null) : null;
      return { topics, groups: groups.groups, detail, at: new Date() };
    },
    [service, topic],
    (e) => (e.data as { owner?: string }).owner === service,
  );
  useEffect(() => {
    if (!auto) return;
    const timer = setInterval(reload, AUTO_REFRESH_MS);
    return () => clearInterval(timer);
  }, [auto]);
  const topics = (data?.topics.topics ?? []).filter((t) => internal || !t.internal);
  return (
    <div aria-label="Kafka">
      <div class="toolbar">
        <h2>Kafka</h2>
        <button type="button" class="small" onClick={reload}>
          Refresh
        </button>
        <label>
          <input type="checkbox" checked={auto} onChange={(e) => setAuto(e.currentTarget.checked)} /> Every 10
          s
        </label>
        {data && (
          <span class="muted" data-testid="kafka-refreshed">
            {data.topics.brokers.length} broker{data.topics.brokers.length === 1 ? '' : 's'} · read{' '}
            {data.at.toLocaleTimeString()}
          </span>
        )}
      </div>
      <ErrorBox error={error} />
      <div class="toolbar">
        <h3>Topics</h3>
        <label>
          <input type="checkbox" checked={internal} onChange={(e) => setInternal(e.currentTarget.checked)} />{' '}
          Internal topics
        </label>
      </div>
      <table class="table" aria-label="Topics">
        <thead>
          <tr>
            <th>Topic</th>
            <th>Partitions</th>
            <th>Replication</th>
            <th>Under-replicated</th>
            <th>Offline</th>
            <th>Messages</th>
          </tr>
        </thead>
        <tbody>
          {topics.map((t) => (
            <tr data-topic={t.name} aria-selected={t.name === data?.detail?.name}>
              <td>
                <button type="button" class="link" onClick={() => setTopic(t.name)}>
                  {t.name}
                </button>
              </td>
              <td>{t.partitions}</td>
              <td>{t.replicationFactor}</td>
              <td class={t.underReplicated > 0 ? 'warn' : ''}>{t.underReplicated}</td>
              <td class={t.offline > 0 ? 'warn' : ''}>{t.offline}</td>
              <td data-testid="messages">{count(t.messages)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {data && topics.length === 0 && <p class="muted">No topics yet.</p>}
      {data?.detail && <Partitions topic={data.detail} />}
      <h3>Consumer groups</h3>
      <Groups groups={data?.groups ?? []} />
      {data && (
        <MessageBrowser
          service={service}
          topics={data.topics.topics.filter((t) => internal || !t.internal)}
          topic={data.detail?.name ?? null}
        />
      )}
    </div>
  );
}

function Partitions({ topic }: { topic: KafkaTopicView }) {
  return (
    <>
      <h3>Partitions of {topic.name}</h3>
      <table class="table" aria-label={`Partitions of ${topic.name}`}>
        <thead>
          <tr>
            <th>Partition</th>
            <th>Leader</th>
            <th>Replicas</th>
            <th>In-sync replicas</th>
            <th>Start offset</th>
            <th>End offset</th>
          </tr>
        </thead>
        <tbody>
          {topic.partitions.map((p) => (
            <tr data-partition={p.partition}>
              <td>{p.partition}</td>
              <td class={p.leader === null ? 'warn' : ''}>{p.leader ?? 'none'}</td>
              <td>{p.replicas.join(', ')}</td>
              <td class={p.isr.length < p.replicas.length ? 'warn' : ''} data-testid="isr">
                {p.isr.join(', ') || 'none'}
              </td>
              <td>{count(p.start)}</td>
              <td data-testid="end">{count(p.end)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function Groups({ groups }: { groups: KafkaGroupView[] }) {
  if (groups.length === 0) return <p class="muted">No consumer groups.</p>;
  return (
    <table class="table" aria-label="Consumer groups">
      <thead>
        <tr>
          <th>Group</th>
          <th>State</th>
          <th>Members</th>
          <th>Topic-partition</th>
          <th>Committed</th>
          <th>End</th>
          <th>Lag</th>
        </tr>
      </thead>
      <tbody>
        {groups.flatMap((g) => [
          <tr data-group={g.groupId} class="group">
            <td>
              <strong>{g.groupId}</strong>
            </td>
            <td>{g.state}</td>
            <td title={g.members.map((m) => `${m.clientId} (${m.clientHost})`).join('\n')}>
              {g.members.length}
            </td>
            <td colSpan={3} class="muted">
              committed on {g.offsets.filter((o) => o.committed !== null).length} of {g.offsets.length}{' '}
              partitions
            </td>
            <td data-testid="lag" class={g.lag > 0 ? 'warn' : 'ok'}>
              {count(g.lag)}
            </td>
          </tr>,
          ...g.offsets.map((o) => (
            <tr data-group-partition={`${g.groupId}:${o.topic}:${o.partition}`}>
              <td />
              <td />
              <td />
              <td>
                {o.topic}/{o.partition}
              </td>
              <td>{o.committed === null ? '—' : count(o.committed)}</td>
              <td>{count(o.end)}</td>
              <td data-testid="lag">{o.lag === null ? '—' : count(o.lag)}</td>
            </tr>
          )),
        ])}
      </tbody>
    </table>
  );
}

/** 12,345 as the reader's locale writes it. */
export function count(n: number): string {
  return n.toLocaleString();
}
