import { Type, type Static } from '@sinclair/typebox';

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
  kind: Type.Union([Type.Literal('service'), Type.Literal('app')]),
  action: Type.Union(['create', 'update', 'unchanged', 'remove', 'wait'].map((a) => Type.Literal(a))),
  /** For an update: the declared fields that differ (`options.replicas`); values are never shown. */
  changes: Type.Array(Type.String()),
  reason: Type.Optional(Type.String()),
  tasks: Type.Array(TaskChangeView),
});

/** What `up` would do (`up --dry-run`): nothing is started or written. */
export const PlanView = Type.Object({
  stack: Type.Union([Type.String(), Type.Null()]),
  created: Type.Array(Type.String()),
  updated: Type.Array(Type.String()),
  unchanged: Type.Array(Type.String()),
  removed: Type.Array(Type.String()),
  waiting: Type.Array(Type.Object({ name: Type.String(), kind: Type.String(), reason: Type.String() })),
  owners: Type.Array(OwnerChangeView),
  /** What was accepted but may not be meant, such as a variable that is not set. */
  warnings: Type.Optional(Type.Array(Type.String())),
});
export type PlanView = Static<typeof PlanView>;
