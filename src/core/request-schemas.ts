import { Type, type Static } from '@sinclair/typebox';
import { TaskView } from './api-schemas.js';

/**
 * What callers send to the stack, service, app, task, image, artifact and daemon routes. The routes
 * validate with these schemas and the typed client sends their types, so the two cannot drift.
 */

/**
 * The caller's registry credentials, from its own config.json (`docker login`), by registry host: a
 * pull this request makes uses them before the daemon user's. Used for that pull only: never stored,
 * logged or answered.
 */
export const RegistryAuth = Type.Record(
  Type.String({ maxLength: 255 }),
  Type.Object(
    {
      username: Type.String({ maxLength: 1024 }),
      password: Type.String({ maxLength: 16_384 }),
      serveraddress: Type.String({ maxLength: 1024 }),
    },
    { additionalProperties: false },
  ),
  {
    description:
      "The caller's registry credentials by registry host (docker.io for Docker Hub), from its config.json; used for this request's pulls only, never stored",
    maxProperties: 100,
  },
);
export type RegistryAuth = Static<typeof RegistryAuth>;

export const StackApplyBody = Type.Object(
  {
    source: Type.String({
      description:
        'The stack file (YAML) as written: a Flotilla stack or a Docker Compose file; at most 1 MiB (PAYLOAD_TOO_LARGE), 20,000 nodes and 64 levels (INPUT_TOO_COMPLEX)',
    }),
    directory: Type.Optional(
      Type.String({
        description: "Compose: the absolute path of the file's folder (relative paths, env_file, .env)",
        maxLength: 4096,
      }),
    ),
    variables: Type.Optional(
      Type.Record(Type.String(), Type.String({ maxLength: 100_000 }), {
        description: 'Compose: variables to interpolate; they win over the .env file',
      }),
    ),
    profiles: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
        description: 'Compose: the active profiles',
        maxItems: 100,
      }),
    ),
    pull: Type.Optional(
      Type.Union([Type.Literal('always'), Type.Literal('missing'), Type.Literal('never')], {
        description:
          "Compose's `up --pull`: the pull policy of every service without a `build:`, over its pull_policy",
      }),
    ),
    overrides: Type.Optional(
      Type.Array(Type.String(), {
        description:
          'Compose: the texts of override files (`-f a.yml -f b.yml`, docker-compose.override.yml), merged over `source` in order; each is bounded as `source` is',
        maxItems: 16,
      }),
    ),
    envFiles: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 4096 }), {
        description:
          "Compose: env files that feed interpolation instead of the folder's .env (`--env-file`), relative to `directory`",
        maxItems: 16,
      }),
    ),
    registryAuth: Type.Optional(RegistryAuth),
  },
  { additionalProperties: false },
);
export type StackApplyBody = Static<typeof StackApplyBody>;
/** What a Compose file needs besides its text: its folder, the variables and the active profiles. */
export type ComposeOptions = Omit<StackApplyBody, 'source'>;

export const ComposeConfigView = Type.Object({
  name: Type.String({ description: "The project's (stack's) name" }),
  yaml: Type.String({ description: 'The normalised model as YAML, as `docker compose config` prints it' }),
  warnings: Type.Array(Type.String(), { description: 'One line per key that is accepted and ignored' }),
});
export type ComposeConfigView = Static<typeof ComposeConfigView>;

export const ServiceInstallBody = Type.Object(
  {
    name: Type.String(),
    package: Type.String(),
    version: Type.Optional(Type.String()),
    options: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    dependsOn: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
);
export type ServiceInstallBody = Static<typeof ServiceInstallBody>;

export const AppScaleBody = Type.Object(
  { instances: Type.Integer({ minimum: 0, maximum: 1000 }) },
  { additionalProperties: false },
);
export type AppScaleBody = Static<typeof AppScaleBody>;

/** A task's fields, for `fields=` (only these of each task: what `ps` prints is a fifth of a task). */
export const TASK_FIELDS = Object.keys(TaskView.properties) as (keyof TaskView)[];
const fieldName = `(?:${TASK_FIELDS.join('|')})`;

export const TaskListQuery = Type.Object({
  owner: Type.Optional(Type.String()),
  stack: Type.Optional(Type.String()),
  fields: Type.Optional(
    Type.String({
      pattern: `^${fieldName}(?:,${fieldName})*$`,
      description: 'Comma-separated TaskView fields: each task has only these (default: all of them)',
    }),
  ),
  offset: Type.Optional(
    Type.Integer({ minimum: 0, description: "Tasks to skip, in the list's order (owner, index)" }),
  ),
  limit: Type.Optional(
    Type.Integer({
      minimum: 1,
      description: 'At most this many tasks (default: all); a shorter page is the last',
    }),
  ),
});
export type TaskListQuery = Static<typeof TaskListQuery>;

export const TaskLogsQuery = Type.Object({
  stream: Type.Optional(Type.Union([Type.Literal('stdout'), Type.Literal('stderr')])),
  tail: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
  follow: Type.Optional(Type.Boolean()),
});
export type TaskLogsQuery = Static<typeof TaskLogsQuery>;

export const ImageBuildBody = Type.Object(
  {
    /** `redis`, `kafka@3.9.1`; none: every image the catalog can make. */
    packages: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 50 })),
    /** An image to build on instead of flotilla/base:bookworm; pulled when missing. */
    base: Type.Optional(Type.String({ minLength: 1, pattern: '^[A-Za-z0-9][A-Za-z0-9._\\-/:@]*$' })),
  },
  { additionalProperties: false },
);
export type ImageBuildBody = Static<typeof ImageBuildBody>;

export const ImagePullBody = Type.Object(
  {
    /** `redis:7`, `registry.example.com:5000/team/app:1.2`, `name@sha256:…`: Docker Hub when no registry is named. */
    images: Type.Array(
      Type.String({ minLength: 1, maxLength: 512, pattern: '^[A-Za-z0-9][A-Za-z0-9._\\-/:@]*$' }),
      { minItems: 1, maxItems: 50 },
    ),
    /** `always` (the default, as `docker pull`): pull even when present; `missing`: only what the engine lacks. */
    policy: Type.Optional(Type.Union([Type.Literal('always'), Type.Literal('missing')])),
    registryAuth: Type.Optional(RegistryAuth),
  },
  { additionalProperties: false },
);
export type ImagePullBody = Static<typeof ImagePullBody>;

export const ArtifactFetchBody = Type.Object(
  { package: Type.String(), version: Type.Optional(Type.String()) },
  { additionalProperties: false },
);
export type ArtifactFetchBody = Static<typeof ArtifactFetchBody>;

export const ShutdownBody = Type.Optional(Type.Object({ stopTasks: Type.Optional(Type.Boolean()) }));
export type ShutdownBody = Static<typeof ShutdownBody>;
