import { useState } from 'preact/hooks';
import type { PlanListView, PlanView } from '../../../src/core/plan-schemas.js';
import { ErrorBox, useApp, useLiveData } from '../ui.js';

type Operation = PlanListView['operations'][number];

/**
 * A service's plans as DC/OS SDK services show them: `deploy` and `recovery`, read from its tasks,
 * and its package's operations (Cassandra's replace, restart, repair, scale), each with its phases
 * and steps. Live: a `plan_status` event (a step moved) or a task of the service changing reloads
 * it. An operation starts from its form; a plan under way can be stopped after its current step, and
 * a stopped or failed one continued where it was.
 */
export function PlansPanel({ service }: { service: string }) {
  const { session } = useApp();
  const { data, error, reload } = useLiveData(
    () => session.client.listPlans(service),
    [service],
    (e) => (e.data as { owner?: string }).owner === service,
  );
  if (!data) return <ErrorBox error={error} />;
  const operations = new Set(data.operations.map((o) => o.name));
  return (
    <div aria-label="Plans">
      <h2>Plans</h2>
      <ErrorBox error={error} />
      {data.plans.map((plan) => (
        <Plan service={service} plan={plan} operation={operations.has(plan.name)} onDone={reload} />
      ))}
      {data.operations.length > 0 && (
        <>
          <h3>Operations</h3>
          <div class="operations">
            {data.operations.map((op) => (
              <OperationForm service={service} op={op} onDone={reload} />
            ))}
          </div>
        </>
      )}
    </div>
  );
}

function PlanStatus({ status }: { status: string }) {
  return <span class={`badge p-${status}`}>{status}</span>;
}

function Plan({
  service,
  plan,
  operation,
  onDone,
}: {
  service: string;
  plan: PlanView;
  operation: boolean;
  onDone: () => void;
}) {
  const { session } = useApp();
  const [error, setError] = useState<unknown>();
  const run = (p: Promise<unknown>) => p.then(() => (setError(undefined), onDone()), setError);
  const underWay = plan.status === 'PENDING' || plan.status === 'STARTING';
  const parameters = Object.entries(plan.parameters);
  return (
    <section class="plan" aria-label={`Plan ${plan.name}`} data-plan={plan.name} data-status={plan.status}>
      <div class="toolbar">
        <h3>{plan.name}</h3>
        <PlanStatus status={plan.status} />
        {parameters.length > 0 && (
          <span class="muted">{parameters.map(([k, v]) => `${k}=${v}`).join(' ')}</span>
        )}
        {operation && underWay && (
          <button
            type="button"
            class="small"
            onClick={() => void run(session.client.stopPlan(service, plan.name))}
          >
            Stop after this step
          </button>
        )}
        {operation && (plan.status === 'WAITING' || plan.status === 'ERROR') && (
          <button
            type="button"
            class="small"
            onClick={() => void run(session.client.continuePlan(service, plan.name))}
          >
            Continue
          </button>
        )}
      </div>
      <ErrorBox error={error} />
      {plan.errors.length > 0 && (
        <ul class="warn">
          {plan.errors.map((e) => (
            <li>{e}</li>
          ))}
        </ul>
      )}
      <table class="table" aria-label={`Steps of ${plan.name}`}>
        <thead>
          <tr>
            <th>Phase</th>
            <th>Step</th>
            <th>Status</th>
            <th>Message</th>
          </tr>
        </thead>
        <tbody>
          {plan.phases.flatMap((phase) =>
            phase.steps.map((step, i) => (
              <tr data-step={`${phase.name}/${step.name}`}>
                <td>
                  {i === 0 && (
                    <>
                      {phase.name} <PlanStatus status={phase.status} />
                    </>
                  )}
                </td>
                <td>{step.name}</td>
                <td data-testid="step-status">
                  <PlanStatus status={step.status} />
                </td>
                <td class="msg">{step.message}</td>
              </tr>
            )),
          )}
        </tbody>
      </table>
    </section>
  );
}

function OperationForm({ service, op, onDone }: { service: string; op: Operation; onDone: () => void }) {
  const { session } = useApp();
  const [values, setValues] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const given = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== ''));
  return (
    <form
      class="form"
      aria-label={`Start ${op.name}`}
      onSubmit={(e) => {
        e.preventDefault();
        setBusy(true);
        session.client
          .startPlan(service, op.name, given)
          .then(() => (setError(undefined), setValues({}), onDone()), setError)
          .finally(() => setBusy(false));
      }}
    >
      <h4>{op.name}</h4>
      <p class="help">{op.description}</p>
      {Object.entries(op.parameters).map(([key, p]) => (
        <div class="field">
          <label for={`op-${op.name}-${key}`}>{key}</label>
          <input
            id={`op-${op.name}-${key}`}
            required={p.required}
            value={values[key] ?? ''}
            onInput={(e) => setValues({ ...values, [key]: e.currentTarget.value })}
          />
          <div class="help">{p.description}</div>
        </div>
      ))}
      <ErrorBox error={error} />
      <button type="submit" disabled={busy}>
        Start {op.name}
      </button>
    </form>
  );
}
