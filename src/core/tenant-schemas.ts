import { Type, type Static } from '@sinclair/typebox';
import { ROLES } from './tenant.js';

/** JSON Schemas of the tenant, token and scheduling bodies of the API. */

export const RoleSchema = Type.Union(ROLES.map((r) => Type.Literal(r)));

export const QuotaSchema = Type.Object(
  {
    cpus: Type.Optional(Type.Number({ minimum: 0 })),
    mem: Type.Optional(Type.Number({ minimum: 0, description: 'MB' })),
    disk: Type.Optional(Type.Number({ minimum: 0, description: 'MB' })),
    data: Type.Optional(
      Type.Integer({
        minimum: 8,
        maximum: 1024 * 1024,
        description:
          "MB: the size of the tenant's data folder, enforced by the daemon (root only); it only grows, and a quota without it keeps the present one",
      }),
    ),
  },
  { additionalProperties: false },
);

const ResourcesView = Type.Object({ cpus: Type.Number(), mem: Type.Number(), disk: Type.Number() });

export const TenantView = Type.Object({
  name: Type.String(),
  weight: Type.Number(),
  quota: Type.Union([QuotaSchema, Type.Null()]),
  /** What the tenant's tasks hold now. */
  allocated: ResourcesView,
  /** Weighted dominant share of the pool, as the DRF sorter sees it. */
  dominantShare: Type.Number(),
  /** The DNS server that answers this tenant's names (host:port), or null when DNS is off. */
  dns: Type.Union([Type.String(), Type.Null()]),
  /** The Unix user its tasks run as, or null when tenants are not isolated (every task as the daemon's user). */
  user: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
});
export type TenantView = Static<typeof TenantView>;

export const TenantCreateBody = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z][a-z0-9-]{0,39}$' }),
    weight: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    quota: Type.Optional(Type.Union([QuotaSchema, Type.Null()])),
  },
  { additionalProperties: false },
);
export type TenantCreateBody = Static<typeof TenantCreateBody>;

export const TenantPatchBody = Type.Object(
  {
    weight: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    quota: Type.Optional(Type.Union([QuotaSchema, Type.Null()])),
  },
  { additionalProperties: false },
);
export type TenantPatchBody = Static<typeof TenantPatchBody>;

export const TokenView = Type.Object({
  id: Type.String(),
  tenant: Type.String(),
  role: RoleSchema,
  name: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
export type TokenView = Static<typeof TokenView>;

/** A new token: the only time its secret is shown. */
export const MintedTokenView = Type.Intersect([TokenView, Type.Object({ token: Type.String() })]);
export type MintedTokenView = Static<typeof MintedTokenView>;

export const TokenCreateBody = Type.Object(
  {
    role: RoleSchema,
    name: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type TokenCreateBody = Static<typeof TokenCreateBody>;

export const WhoAmIView = Type.Object({
  tenant: Type.String(),
  role: RoleSchema,
  tokenId: Type.Union([Type.String(), Type.Null()]),
  /** The tenant this request acted for (a cluster admin may act for another). */
  actingFor: Type.String(),
  auth: Type.Boolean(),
});
export type WhoAmIView = Static<typeof WhoAmIView>;

export const QueueView = Type.Object({
  owner: Type.String(),
  kind: Type.Union([Type.Literal('service'), Type.Literal('app')]),
  stack: Type.Union([Type.String(), Type.Null()]),
  reasonKind: Type.Union(
    ['quota', 'resources', 'constraints', 'dependency', 'error'].map((k) => Type.Literal(k)),
  ),
  reason: Type.String(),
  since: Type.String({ format: 'date-time' }),
});
export type QueueView = Static<typeof QueueView>;

export const NodeVerdictView = Type.Object({
  nodeId: Type.String(),
  fits: Type.Boolean(),
  reasons: Type.Array(Type.String()),
});

/** `flotilla task why`: where a task runs, or, per node, why it cannot run there yet. */
export const WhyView = Type.Object({
  task: Type.String(),
  waiting: Type.Boolean(),
  summary: Type.String(),
  quota: Type.Union([Type.String(), Type.Null()]),
  nodes: Type.Array(NodeVerdictView),
});
export type WhyView = Static<typeof WhyView>;

/** A service one tenant shares with another: the other's tasks may connect to its ports. */
export const ShareView = Type.Object({
  /** The tenant that owns the service. */
  tenant: Type.String(),
  service: Type.String(),
  /** The tenant it is shared with. */
  with: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  /** Where its tasks listen now (host:port), for the tenant it is shared with to connect to. */
  addresses: Type.Array(Type.String()),
});
export type ShareView = Static<typeof ShareView>;

export const SharesView = Type.Object({
  /** The caller's services it shares with other tenants. */
  given: Type.Array(ShareView),
  /** Other tenants' services shared with the caller. */
  received: Type.Array(ShareView),
});
export type SharesView = Static<typeof SharesView>;
