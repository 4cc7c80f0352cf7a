import { Type, type Static } from '@sinclair/typebox';
import { FAULT_KINDS, FAULT_LIMITS } from './fault.js';

const TaskIds = Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 64 });
const Kind = Type.Union(FAULT_KINDS.map((k) => Type.Literal(k)));

/** `POST /v1/faults`: what to break, where, for how long (docs/failure-lab.md). */
export const FaultRequestBody = Type.Object(
  {
    kind: Kind,
    service: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    tasks: Type.Optional(TaskIds),
    pick: Type.Optional(
      Type.Union(['all', 'one', 'random', 'majority', 'leader'].map((p) => Type.Literal(p))),
    ),
    leaderOf: Type.Optional(
      Type.Object(
        {
          topic: Type.String({ minLength: 1, maxLength: 249, pattern: '^[a-zA-Z0-9._-]+$' }),
          partition: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
        },
        { additionalProperties: false },
      ),
    ),
    signal: Type.Optional(Type.Union([Type.Literal('SIGKILL'), Type.Literal('SIGTERM')])),
    from: Type.Optional(TaskIds),
    to: Type.Optional(TaskIds),
    fromNodes: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 64 })),
    toNodes: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 64 })),
    oneWay: Type.Optional(Type.Boolean()),
    probability: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
    delayMs: Type.Optional(Type.Integer({ minimum: 1, maximum: FAULT_LIMITS.maxDelayMs })),
    jitterMs: Type.Optional(Type.Integer({ minimum: 0, maximum: FAULT_LIMITS.maxDelayMs })),
    rateKbit: Type.Optional(
      Type.Integer({ minimum: FAULT_LIMITS.minRateKbit, maximum: FAULT_LIMITS.maxRateKbit }),
    ),
    mode: Type.Optional(Type.Union([Type.Literal('full'), Type.Literal('slow')])),
    rateKBps: Type.Optional(
      Type.Integer({ minimum: FAULT_LIMITS.minDiskKBps, maximum: FAULT_LIMITS.maxDiskKBps }),
    ),
    offsetS: Type.Optional(
      Type.Integer({ minimum: -FAULT_LIMITS.maxOffsetS, maximum: FAULT_LIMITS.maxOffsetS }),
    ),
    durationS: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: FAULT_LIMITS.maxDurationS })),
  },
  { additionalProperties: false },
);
export type FaultRequestBody = Static<typeof FaultRequestBody>;

export const FaultView = Type.Object({
  id: Type.String(),
  tenant: Type.String(),
  kind: Kind,
  request: FaultRequestBody,
  targets: Type.Array(Type.String()),
  state: Type.Union([Type.Literal('active'), Type.Literal('healed')]),
  applied: Type.Object({
    chain: Type.Optional(Type.String()),
    nat: Type.Optional(Type.Boolean()),
    paused: Type.Optional(Type.Array(Type.String())),
    measured: Type.Optional(
      Type.Object({
        samples: Type.Integer(),
        p50Ms: Type.Union([Type.Number(), Type.Null()]),
        p99Ms: Type.Union([Type.Number(), Type.Null()]),
      }),
    ),
    tc: Type.Optional(
      Type.Object({
        classid: Type.String(),
        backClassid: Type.String(),
        mark: Type.String(),
      }),
    ),
    bandwidth: Type.Optional(
      Type.Object({
        askedKbit: Type.Integer(),
        achievedKbit: Type.Union([Type.Integer(), Type.Null()]),
        busySeconds: Type.Integer(),
        bytes: Type.Integer(),
      }),
    ),
    volume: Type.Optional(
      Type.Object({ dir: Type.String(), keep: Type.String(), sizeBytes: Type.Integer() }),
    ),
    blkio: Type.Optional(
      Type.Object({ dir: Type.String(), device: Type.String(), container: Type.Optional(Type.Boolean()) }),
    ),
    restarted: Type.Optional(Type.Array(Type.String())),
    mechanism: Type.String(),
  }),
  createdAt: Type.Integer(),
  healAt: Type.Union([Type.Integer(), Type.Null()]),
  healedAt: Type.Union([Type.Integer(), Type.Null()]),
  message: Type.Union([Type.String(), Type.Null()]),
});
