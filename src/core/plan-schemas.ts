import { Type, type Static } from '@sinclair/typebox';
import { PLAN_STATUSES } from './plan.js';

/** JSON Schemas of service plans (DC/OS SDK-shaped) and the Cassandra-era node routes. */

const Status = Type.Union(PLAN_STATUSES.map((s) => Type.Literal(s)));

export const PlanView = Type.Object({
  name: Type.String(),
  status: Status,
  parameters: Type.Record(Type.String(), Type.String()),
  errors: Type.Array(Type.String()),
  phases: Type.Array(
    Type.Object({
      name: Type.String(),
      status: Status,
      steps: Type.Array(Type.Object({ name: Type.String(), status: Status, message: Type.String() })),
    }),
  ),
});
export type PlanView = Static<typeof PlanView>;

const Parameter = Type.Object({ description: Type.String(), required: Type.Boolean() });

export const PlanListView = Type.Object({
  plans: Type.Array(PlanView),
  operations: Type.Array(
    Type.Object({
      name: Type.String(),
      description: Type.String(),
      parameters: Type.Record(Type.String(), Parameter),
    }),
  ),
});
export type PlanListView = Static<typeof PlanListView>;

export const PlanStartBody = Type.Object(
  { parameters: Type.Optional(Type.Record(Type.String(), Type.String())) },
  { additionalProperties: false },
);
export type PlanStartBody = Static<typeof PlanStartBody>;

export const PlanParams = Type.Object({ name: Type.String(), plan: Type.String() });

/** GET /v1/services/{name}/nodes: one entry per task. */
export const NodeView = Type.Object({
  name: Type.String(),
  role: Type.String(),
  host: Type.String(),
  ports: Type.Array(Type.Integer()),
  node: Type.String(),
  state: Type.String(),
  ready: Type.Boolean(),
});
export type NodeView = Static<typeof NodeView>;

/** GET /v1/services/{name}/health: DC/OS Cassandra's cluster health report. */
export const HealthReport = Type.Object({
  status: Type.Union([Type.Literal('HEALTHY'), Type.Literal('DEGRADED'), Type.Literal('UNHEALTHY')]),
  nodes: Type.Integer(),
  ready: Type.Integer(),
  deploy: Type.String(),
  recovery: Type.String(),
});
export type HealthReport = Static<typeof HealthReport>;
