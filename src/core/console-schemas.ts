import { Type, type Static } from '@sinclair/typebox';
import { OwnerStatusSchema } from './api-schemas.js';

/**
 * The list views the web console pages through (and any client may): one row a service or app,
 * filtered, sorted and paged by the daemon, so a list of 10,000 owners costs the browser one page.
 */

export const WORKLOAD_SORT_KEYS = ['name', 'status', 'package', 'running', 'cpus', 'mem'] as const;

export const WorkloadQuery = Type.Object({
  /** A part of the name, package or stack, any case. */
  q: Type.Optional(Type.String({ maxLength: 200 })),
  status: Type.Optional(OwnerStatusSchema),
  kind: Type.Optional(Type.Union([Type.Literal('service'), Type.Literal('app')])),
  /** `healthy`: every wanted task ready; `unhealthy`: some is not. */
  health: Type.Optional(Type.Union([Type.Literal('healthy'), Type.Literal('unhealthy')])),
  sort: Type.Optional(Type.Union(WORKLOAD_SORT_KEYS.map((k) => Type.Literal(k)))),
  order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
  offset: Type.Optional(Type.Integer({ minimum: 0 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
});
export type WorkloadQuery = Static<typeof WorkloadQuery>;

export const WorkloadRow = Type.Object({
  kind: Type.Union([Type.Literal('service'), Type.Literal('app')]),
  name: Type.String(),
  /** A Compose service's name as its file wrote it, when that is not `name` (`cassandra_db`). */
  written: Type.Optional(Type.String()),
  stack: Type.Union([Type.String(), Type.Null()]),
  /** The package and its version for a service; `app` for an app. */
  package: Type.String(),
  version: Type.String(),
  status: OwnerStatusSchema,
  message: Type.Union([Type.String(), Type.Null()]),
  /** Tasks alive of those wanted. */
  running: Type.Integer(),
  wanted: Type.Integer(),
  /** Tasks ready (alive, passing their checks, on their current definition). */
  ready: Type.Integer(),
  cpus: Type.Number(),
  /** MB */
  mem: Type.Number(),
});
export type WorkloadRow = Static<typeof WorkloadRow>;

export const WorkloadPage = Type.Object({
  /** How many rows match the filters (the page is a slice of them). */
  total: Type.Integer(),
  offset: Type.Integer(),
  rows: Type.Array(WorkloadRow),
});
export type WorkloadPage = Static<typeof WorkloadPage>;

const Resources = Type.Object({
  cpus: Type.Number(),
  mem: Type.Number({ description: 'MB' }),
  disk: Type.Number({ description: 'MB' }),
  ports: Type.Number(),
});

/** A node: what it offers, what every tenant's tasks hold of it, and the caller's tasks on it. */
export const NodeUsageView = Type.Object({
  id: Type.String(),
  host: Type.String(),
  attributes: Type.Record(Type.String(), Type.String()),
  offered: Resources,
  /** Held by the tasks of every tenant (a sum: no other tenant's names). */
  allocated: Resources,
  /** The calling tenant's tasks placed on it. */
  tasks: Type.Array(Type.Object({ id: Type.String(), owner: Type.String(), state: Type.String() })),
});
export type NodeUsageView = Static<typeof NodeUsageView>;

/**
 * A ticket for a task's terminal: the page opens `GET /v1/tasks/{id}/terminal` as a WebSocket with
 * the subprotocols [`protocol`, `ticket`] within 30 s. Good once, for that task only; no token ever
 * goes into a URL.
 */
export const TerminalTicket = Type.Object({
  ticket: Type.String(),
  /** The WebSocket subprotocol to ask for beside the ticket: `flotilla-terminal`. */
  protocol: Type.String(),
  /** The socket's path, relative to the daemon's address. */
  path: Type.String(),
  /** Milliseconds since the epoch after which the ticket is refused. */
  expiresAt: Type.Integer(),
});
export type TerminalTicket = Static<typeof TerminalTicket>;
