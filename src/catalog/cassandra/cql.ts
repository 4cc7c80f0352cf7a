import cassandraDriver from 'cassandra-driver';
import type { CqlResultView } from '../../core/cql-schemas.js';
import { FlotillaError } from '../../core/errors.js';
import type { Endpoint } from '../../core/service.js';
import { clientOptions } from './client.js';

const { Client, types } = cassandraDriver;

/** The consistency levels by their CQL names (cqlsh's CONSISTENCY command). */
const LEVELS: Record<string, cassandraDriver.types.consistencies> = {
  ANY: types.consistencies.any,
  ONE: types.consistencies.one,
  TWO: types.consistencies.two,
  THREE: types.consistencies.three,
  QUORUM: types.consistencies.quorum,
  ALL: types.consistencies.all,
  LOCAL_QUORUM: types.consistencies.localQuorum,
  EACH_QUORUM: types.consistencies.eachQuorum,
  SERIAL: types.consistencies.serial,
  LOCAL_SERIAL: types.consistencies.localSerial,
  LOCAL_ONE: types.consistencies.localOne,
};

const TYPE_NAMES = new Map(
  Object.entries(types.dataTypes)
    .filter((e): e is [string, number] => typeof e[1] === 'number')
    .map(([name, code]) => [code, name]),
);

interface ColumnType {
  code: number;
  info?: unknown;
}

/** `list<int>`, `map<text, bigint>`, a UDT's name… as cqlsh prints column types. */
function typeName(t: ColumnType): string {
  const name = TYPE_NAMES.get(t.code) ?? `type ${t.code}`;
  if (!t.info) return name;
  if (Array.isArray(t.info)) return `${name}<${(t.info as ColumnType[]).map(typeName).join(', ')}>`;
  const info = t.info as { code?: number; name?: string };
  if (typeof info.code === 'number') return `${name}<${typeName(info as ColumnType)}>`;
  return info.name ?? name;
}

/**
 * A CQL value as JSON: numbers, text and booleans as they are; bigint, varint, decimal, uuids,
 * inet, date and time as their CQL text (JSON numbers would lose precision); blobs as 0x hex;
 * timestamps in ISO 8601; collections, tuples and UDTs recursively.
 */
export function toJson(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') return value.toString();
  if (Buffer.isBuffer(value)) return `0x${value.toString('hex')}`;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof types.Tuple) return value.values().map(toJson);
  if (Array.isArray(value) || value instanceof Set) return [...value].map(toJson);
  if (value instanceof Map)
    return Object.fromEntries([...value].map(([k, v]) => [String(toJson(k)), toJson(v)]));
  if (Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v)]));
  }
  return String(value);
}

export interface CqlOptions {
  consistency: string;
  /** Rows returned at most (the first page); `truncated` says whether there were more. */
  maxRows: number;
}

/**
 * Runs one CQL statement on a Cassandra service with the DataStax driver, the way cqlsh would, and
 * returns the first `maxRows` rows as JSON. A connection per call: the CLI's statements are few, and
 * a pooled client would have to follow every scale and replace.
 */
export async function runCql(endpoint: Endpoint, statement: string, o: CqlOptions): Promise<CqlResultView> {
  const consistency = LEVELS[o.consistency];
  if (consistency === undefined) {
    throw new FlotillaError(
      'VALIDATION_FAILED',
      `consistency "${o.consistency}" is not a CQL consistency level; use one of ${Object.keys(LEVELS).join(', ')}`,
    );
  }
  const client = new Client(
    clientOptions(endpoint, {
      socketOptions: { connectTimeout: 10_000, readTimeout: 60_000 },
      pooling: { coreConnectionsPerHost: { [cassandraDriver.types.distance.local]: 1 } },
    }),
  );
  try {
    await client.connect();
    const rs = await client.execute(statement, [], { consistency, fetchSize: o.maxRows, prepare: false });
    const columns = (rs.columns ?? []).map((c) => ({ name: c.name, type: typeName(c.type) }));
    return {
      columns,
      rows: (rs.rows ?? []).map((row) =>
        Object.fromEntries(columns.map((c) => [c.name, toJson(row.get(c.name))])),
      ),
      truncated: Boolean(rs.pageState),
      coordinator: rs.info.queriedHost,
      consistency: o.consistency,
      warnings: rs.info.warnings ?? [],
    };
  } catch (err) {
    if (err instanceof FlotillaError) throw err;
    const e = err as Error & { innerErrors?: Record<string, Error> };
    const inner = e.innerErrors ? Object.entries(e.innerErrors).map(([h, x]) => `${h}: ${x.message}`) : [];
    throw new FlotillaError('CQL_FAILED', `${e.message}${inner.length ? ` (${inner.join('; ')})` : ''}`);
  } finally {
    await client.shutdown().catch(() => undefined);
  }
}
