import { Type, type Static } from '@sinclair/typebox';
import { TASK_STATES } from './task.js';

/** JSON Schemas of the API's bodies (TypeBox: one definition gives the schema and the TS type). */

export const ErrorSchema = Type.Object({
  code: Type.String(),
  message: Type.String(),
  hint: Type.String(),
  details: Type.Optional(Type.Unknown()),
});

const Dict = Type.Record(Type.String(), Type.Unknown());
const StringMap = Type.Record(Type.String(), Type.String());

export const TaskView = Type.Object({
  id: Type.String(),
  tenant: Type.String(),
  owner: Type.String(),
  ownerKind: Type.Union([Type.Literal('app'), Type.Literal('service')]),
  name: Type.String(),
  role: Type.String(),
  stack: Type.Union([Type.String(), Type.Null()]),
  node: Type.String(),
  host: Type.String(),
  ports: Type.Array(Type.Integer()),
  state: Type.Union(TASK_STATES.map((s) => Type.Literal(s))),
  desired: Type.String(),
  /** Alive, passing its checks, and running its current definition. */
  ready: Type.Boolean(),
  /** Running the definition it was last given (false while it waits to be replaced). */
  upToDate: Type.Boolean(),
  pid: Type.Union([Type.Integer(), Type.Null()]),
  /** Compose's restart policy, when it is not 'always': the task may end without being relaunched. */
  restart: Type.Optional(Type.Union([Type.Literal('on-failure'), Type.Literal('no')])),
  /** Exited and, by its restart policy, not relaunched until its definition changes. */
  ended: Type.Optional(Type.Boolean()),
  /** The driver that runs it: process or docker. */
  driver: Type.String(),
  /** The Docker driver's container id (docker only). */
  containerId: Type.Optional(Type.String()),
  exitCode: Type.Union([Type.Integer(), Type.Null()]),
  exitSignal: Type.Union([Type.String(), Type.Null()]),
  message: Type.Union([Type.String(), Type.Null()]),
  restarts: Type.Integer(),
  launches: Type.Integer(),
  healthFailures: Type.Integer(),
  stateSince: Type.String({ format: 'date-time' }),
  startedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  cmd: Type.Optional(Type.String()),
  args: Type.Optional(Type.Array(Type.String())),
  env: StringMap,
  sandbox: Type.String(),
  /**
   * Its owner as the file wrote it, where that differs from the DNS-safe id Flotilla names it by (a
   * Compose service `cassandra_db` is the app `cassandra-db`).
   */
  ownerName: Type.Optional(Type.String()),
});
export type TaskView = Static<typeof TaskView>;

export const OwnerStatusSchema = Type.Union(
  ['deploying', 'ready', 'degraded', 'failing', 'stopped', 'waiting'].map((s) => Type.Literal(s)),
);

export const EndpointView = Type.Object({
  name: Type.String(),
  addresses: Type.Array(Type.String()),
  values: StringMap,
});

export const ServiceView = Type.Object({
  name: Type.String(),
  tenant: Type.String(),
  package: Type.String(),
  version: Type.String(),
  options: Dict,
  stack: Type.Union([Type.String(), Type.Null()]),
  dependencies: Type.Array(Type.String()),
  status: OwnerStatusSchema,
  /** Why it is not ready, when that is not plain (a task that gave up, a post-ready step). */
  message: Type.Union([Type.String(), Type.Null()]),
  tasks: Type.Array(TaskView),
  endpoints: Type.Array(EndpointView),
});
export type ServiceView = Static<typeof ServiceView>;

export const AppView = Type.Object({
  id: Type.String(),
  tenant: Type.String(),
  stack: Type.Union([Type.String(), Type.Null()]),
  spec: Dict,
  status: OwnerStatusSchema,
  message: Type.Union([Type.String(), Type.Null()]),
  instances: Type.Integer(),
  tasksRunning: Type.Integer(),
  tasksHealthy: Type.Integer(),
  tasks: Type.Array(TaskView),
  /** The app as its Compose file wrote it, where that differs from `id`. */
  name: Type.Optional(Type.String()),
});
export type AppView = Static<typeof AppView>;

export const StackView = Type.Object({
  name: Type.String(),
  tenant: Type.String(),
  services: Type.Array(Type.String()),
  apps: Type.Array(Type.String()),
  /** App id → the name its Compose file wrote, for the apps whose id differs from it. */
  names: Type.Optional(Type.Record(Type.String(), Type.String())),
  status: OwnerStatusSchema,
  message: Type.Union([Type.String(), Type.Null()]),
  tasks: Type.Array(TaskView),
  /** Owners of the stack the scheduler has not admitted yet (status is then `waiting`). */
  waiting: Type.Array(Type.Object({ name: Type.String(), kind: Type.String(), reason: Type.String() })),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type StackView = Static<typeof StackView>;

export const DeployResultView = Type.Object({
  stack: Type.Union([Type.String(), Type.Null()]),
  created: Type.Array(Type.String()),
  updated: Type.Array(Type.String()),
  unchanged: Type.Array(Type.String()),
  removed: Type.Array(Type.String()),
  /** Declared but not admitted by the scheduler yet: each waits whole, with the reason. */
  waiting: Type.Array(Type.Object({ name: Type.String(), kind: Type.String(), reason: Type.String() })),
  /** The daemon's write number: of two writes, the one with the larger number landed last. */
  revision: Type.Integer(),
  /** What was accepted but may not be meant, such as a variable that is not set. */
  warnings: Type.Optional(Type.Array(Type.String())),
});
export type DeployResultView = Static<typeof DeployResultView>;

export const PackageSummaryView = Type.Object({
  name: Type.String(),
  version: Type.String(),
  description: Type.String(),
});

export type PackageSummary = Static<typeof PackageSummaryView>;

export const PackageView = Type.Object({
  name: Type.String(),
  version: Type.String(),
  description: Type.String(),
  optionsSchema: Dict,
  binaries: Type.Array(Type.Object({ name: Type.String(), install: Type.String() })),
});
export type PackageDescription = Static<typeof PackageView>;

/** Without a token only whether the daemon answers: its home, pid and the caller's tasks need one. */
export const HealthView = Type.Object({
  status: Type.Literal('ok'),
  version: Type.String(),
  uptimeSeconds: Type.Number(),
  pid: Type.Optional(Type.Integer()),
  home: Type.Optional(Type.String()),
  tasks: Type.Optional(Type.Integer()),
});
export type HealthView = Static<typeof HealthView>;

const UsageGrouping = Type.Union([Type.Literal('tenant'), Type.Literal('service')]);

export const UsageQuery = Type.Object({
  from: Type.Optional(
    Type.String({ description: 'epoch ms or ISO 8601 with a zone; default: a day before to' }),
  ),
  to: Type.Optional(Type.String({ description: 'epoch ms or ISO 8601 with a zone; default: now' })),
  by: Type.Optional(UsageGrouping),
  /** Cluster admins: every tenant's usage at once. */
  all: Type.Optional(Type.Boolean()),
});
export type UsageQuery = Static<typeof UsageQuery>;

/** Resources held (allocated, not measured) over [from, to): what a chargeback bills. */
export const UsageView = Type.Object({
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  /** Intervals still open were counted until min(to, asOf). */
  asOf: Type.String({ format: 'date-time' }),
  by: UsageGrouping,
  rows: Type.Array(
    Type.Object({
      tenant: Type.String(),
      service: Type.Optional(Type.String()),
      kind: Type.Optional(Type.Union([Type.Literal('app'), Type.Literal('service')])),
      cpuSeconds: Type.Number(),
      memGbSeconds: Type.Number(),
      diskGbSeconds: Type.Number(),
      taskSeconds: Type.Number(),
    }),
  ),
});
export type UsageView = Static<typeof UsageView>;

/** `GET /v1/doctor`: what this machine lacks for the catalog's packages, and how to fix each. */
export const DoctorView = Type.Object({
  ok: Type.Boolean(),
  checks: Type.Array(
    Type.Object({
      name: Type.String(),
      ok: Type.Boolean(),
      detail: Type.String(),
      fix: Type.Optional(Type.String()),
      /** Passes, but something optional is missing (the Docker engine, cgroups). */
      warning: Type.Optional(Type.Boolean()),
    }),
  ),
});
export type DoctorView = Static<typeof DoctorView>;

/** An image Flotilla built, as `GET /v1/images` lists it. */
export const ImageView = Type.Object({
  /** `repository:tag`; an image with several tags is listed once per tag. */
  name: Type.String(),
  id: Type.String(),
  /** Bytes. */
  size: Type.Integer(),
  /** ISO 8601. */
  created: Type.String(),
  /** From the image's labels, for catalog images. */
  package: Type.Optional(Type.String()),
  version: Type.Optional(Type.String()),
});
export type ImageView = Static<typeof ImageView>;

/**
 * A 204 answer: no body. Typed `void` so handlers call `send()` with nothing; the schema stays
 * `null`, as the OpenAPI document has always said.
 */
export const NoContent = Type.Unsafe<void>(Type.Null());

/** A 200 answer in plain text (logs, metrics): documented as such, so clients check the right type. */
export function textResponse(description: string) {
  return { description, content: { 'text/plain': { schema: Type.String() } } };
}

export const PurgeQuery = Type.Object({ purge: Type.Optional(Type.Boolean()) });
export const NameParams = Type.Object({ name: Type.String() });
export const IdParams = Type.Object({ id: Type.String() });

/**
 * Every status an error of the registry (core/errors.ts) can have, each with the coded body: the
 * server adds them to every route, so a client (or schemathesis) finds each answer documented.
 * test/openapi-errors.test.ts fails when a code's status is missing here.
 */
export const errorResponses = {
  400: ErrorSchema,
  401: ErrorSchema,
  403: ErrorSchema,
  404: ErrorSchema,
  408: ErrorSchema,
  409: ErrorSchema,
  413: ErrorSchema,
  415: ErrorSchema,
  422: ErrorSchema,
  431: ErrorSchema,
  500: ErrorSchema,
  501: ErrorSchema,
  502: ErrorSchema,
  503: ErrorSchema,
  504: ErrorSchema,
};
