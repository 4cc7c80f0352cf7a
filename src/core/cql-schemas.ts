import { Type, type Static } from '@sinclair/typebox';
import { CONSISTENCY_LEVELS } from './cql.js';

/** JSON Schemas of POST /v1/services/{name}/cql: one CQL statement on a Cassandra service. */

export const CqlRequest = Type.Object(
  {
    statement: Type.String({ minLength: 1, maxLength: 1_000_000, description: 'One CQL statement' }),
    consistency: Type.Optional(
      Type.Union(
        CONSISTENCY_LEVELS.map((c) => Type.Literal(c)),
        { description: 'Consistency level; default QUORUM' },
      ),
    ),
    maxRows: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 10_000, description: 'Rows returned at most; default 1000' }),
    ),
  },
  { additionalProperties: false },
);
export type CqlRequest = Static<typeof CqlRequest>;

export const CqlResultView = Type.Object({
  columns: Type.Array(Type.Object({ name: Type.String(), type: Type.String() })),
  /** Each row by column name; bigint, uuid, decimal… as their CQL text, blobs as 0x hex. */
  rows: Type.Array(Type.Record(Type.String(), Type.Unknown())),
  /** More rows matched than maxRows. */
  truncated: Type.Boolean(),
  /** host:port of the node that coordinated the statement. */
  coordinator: Type.String(),
  consistency: Type.String(),
  warnings: Type.Array(Type.String()),
});
export type CqlResultView = Static<typeof CqlResultView>;
