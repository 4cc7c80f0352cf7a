import { Bar, ErrorBox, State, useApp, useLiveData } from '../ui.js';

/** Each virtual node: what it offers and what all tenants' tasks hold of it; the tenant's tasks on it. */
export function NodesView() {
  const { session } = useApp();
  const { data, error } = useLiveData(
    () => session.client.listNodes(),
    [],
    (e) => e.type === 'task_state' || e.type === 'task_removed',
  );
  return (
    <section aria-labelledby="nodes-title">
      <h1 id="nodes-title">Nodes</h1>
      <p class="muted">Allocated (every tenant's tasks, summed) of what each node offers the scheduler.</p>
      <ErrorBox error={error} />
      <ul class="cards">
        {data?.map((n) => (
          <li class="card node" data-node={n.id}>
            <h2>
              {n.id} <span class="muted">{n.host}</span>
            </h2>
            <Bar label="CPUs" used={n.allocated.cpus} total={n.offered.cpus} unit="" />
            <Bar label="Memory" used={n.allocated.mem} total={n.offered.mem} unit="MB" />
            <Bar label="Disk" used={n.allocated.disk} total={n.offered.disk} unit="MB" />
            <Bar label="Ports" used={n.allocated.ports} total={n.offered.ports} unit="" />
            {n.tasks.length > 0 && (
              <ul class="tasks">
                {n.tasks.map((t) => (
                  <li>
                    {t.id} <State state={t.state} />
                  </li>
                ))}
              </ul>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
