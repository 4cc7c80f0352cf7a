import { Type, type Static } from '@sinclair/typebox';
import { JOB_STATES } from './job.js';

/** JSON Schemas of the jobs routes (`/v1/services/{name}/jobs`). */

const StringMap = Type.Record(Type.String(), Type.String());

export const JobSubmitBody = Type.Object(
  {
    app: Type.String({
      minLength: 1,
      description: "A .py or .jar inside the tenant's data folder: absolute, or relative to the data folder.",
    }),
    args: Type.Optional(Type.Array(Type.String(), { description: "The application's arguments." })),
    class: Type.Optional(Type.String({ minLength: 1, description: 'Main class of a .jar (--class).' })),
    conf: Type.Optional(
      Type.Record(Type.String(), Type.String(), {
        description: 'Spark properties (--conf k=v), e.g. {"spark.executor.memory": "512m"}.',
      }),
    ),
    connectors: Type.Optional(
      Type.Array(Type.String(), {
        description:
          'Pinned connectors whose verified jars the driver and executors get (--jars): "kafka" is ' +
          "Structured Streaming's Kafka source and sink.",
      }),
    ),
    jars: Type.Optional(
      Type.Array(Type.String(), { description: 'More jars for driver and executors, from the data folder.' }),
    ),
  },
  { additionalProperties: false },
);
export type JobSubmitBody = Static<typeof JobSubmitBody>;

export const JobView = Type.Object({
  id: Type.String(),
  tenant: Type.String(),
  service: Type.String(),
  app: Type.String(),
  args: Type.Array(Type.String()),
  class: Type.Union([Type.String(), Type.Null()]),
  conf: StringMap,
  connectors: Type.Array(Type.String()),
  jars: Type.Array(Type.String()),
  state: Type.Union(JOB_STATES.map((s) => Type.Literal(s))),
  exitCode: Type.Union([Type.Integer(), Type.Null()]),
  /** The master's id of the application (app-…), once the driver registered. */
  applicationId: Type.Union([Type.String(), Type.Null()]),
  message: Type.Union([Type.String(), Type.Null()]),
  pid: Type.Union([Type.Integer(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  endedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
export type JobView = Static<typeof JobView>;

export const JobListView = Type.Object({
  /** The tenant's data folder: where applications and their data go. */
  dataDir: Type.String(),
  jobs: Type.Array(JobView),
});
export type JobListView = Static<typeof JobListView>;

export const JobParams = Type.Object({ name: Type.String(), id: Type.String() });

export const JobLogsQuery = Type.Object({
  tail: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
  follow: Type.Optional(
    Type.Boolean({ description: 'Stream what the driver writes; the response ends when the job ends.' }),
  ),
});
export type JobLogsQuery = Static<typeof JobLogsQuery>;

export const JobKillQuery = Type.Object({
  /** Seconds between SIGTERM and SIGKILL. */
  grace: Type.Optional(Type.Integer({ minimum: 0, maximum: 300 })),
});
