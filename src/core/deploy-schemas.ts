import { Type, type Static } from '@sinclair/typebox';
import { DeployResultView } from './api-schemas.js';

/** One task in a deploy plan: what would happen to it, where, and (for a restart) which fields changed. */
export const TaskChangeView = Type.Object({
  id: Type.String(),
  action: Type.Union(['create', 'restart', 'remove', 'keep'].map((a) => Type.Literal(a))),
  node: Type.String(),
  host: Type.String(),
  ports: Type.Array(Type.Integer()),
  changes: Type.Array(Type.String()),
});

/** One service or app in a deploy plan. */
export const OwnerChangeView = Type.Object({
  name: Type.String(),
  /** Its name as its Compose file wrote it, where that differs from `name` (`cassandra_db`). */
  written: Type.Optional(Type.String()),
  kind: Type.Union([Type.Literal('service'), Type.Literal('app')]),
  action: Type.Union(['create', 'update', 'unchanged', 'remove', 'wait'].map((a) => Type.Literal(a))),
  /** For an update: the declared fields that differ (`options.replicas`); values are never shown. */
  changes: Type.Array(Type.String()),
  reason: Type.Optional(Type.String()),
  tasks: Type.Array(TaskChangeView),
});

/** What `up` would do (`up --dry-run`): the answer `up` gives, with the diff; nothing is started or written. */
export const PlanView = Type.Composite([
  Type.Omit(DeployResultView, ['revision']),
  Type.Object({ owners: Type.Array(OwnerChangeView) }),
]);
export type PlanView = Static<typeof PlanView>;
