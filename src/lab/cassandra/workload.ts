import cassandraDriver from 'cassandra-driver';
import { clientOptions } from '../../catalog/cassandra/client.js';
import type { FlotillaClient } from '../../client/client.js';
import { FlotillaError } from '../../core/errors.js';
import type { History } from '../history.js';
import type { CheckerResult } from '../report.js';
import { pump, serviceOfPackage, type RunningWorkload } from '../workloads.js';
import type { CassandraWorkload, Consistency } from './options.js';

const { Client, types } = cassandraDriver;
type Driver = InstanceType<typeof Client>;

/** A write or read that may or may not have taken effect: Jepsen's `info`, not a failure. */
function indeterminate(err: unknown): boolean {
  const { writeTimeout, readTimeout } = types.responseErrorCodes;
  const code = (err as { code?: number }).code;
  const name = (err as Error).name;
  return code === writeTimeout || code === readTimeout || name === 'OperationTimedOutError';
}

export interface CassandraRun extends RunningWorkload {
  /** The checker: every acknowledged write read back at QUORUM once the ring is whole. */
  check(): Promise<CheckerResult>;
  /** Closes the driver's connections, checked or not. */
  close(): Promise<void>;
}

/**
 * Before the experiment's clock starts: connects to every node of the service and makes the run's
 * table. `start` then runs the operations at the workload's rate (at most 8 in flight); `stop` ends
 * them; `check` reads the table back; `close` lets the driver go.
 */
export async function prepareCassandra(
  client: FlotillaClient,
  w: CassandraWorkload,
): Promise<{ start: (h: History) => CassandraRun }> {
  await serviceOfPackage(client, w.service, 'cassandra');
  const endpoint = (await client.endpoints(w.service)).find((e) => e.values.contactPoints);
  if (!endpoint) throw new FlotillaError('SERVICE_NOT_READY', `${w.service} has no contact points yet`);
  const level = w.consistency === 'LOCAL_QUORUM' ? 'localQuorum' : lower(w.consistency);
  const driver: Driver = new Client(
    clientOptions(endpoint, {
      queryOptions: { consistency: types.consistencies[level], prepare: true },
      socketOptions: { readTimeout: 5000, connectTimeout: 2000 },
    }),
  );
  await driver.connect();
  const table = `flotilla_lab.w${Date.now()}`;
  const dc = endpoint.values.datacenter ?? 'datacenter1';
  const all = { consistency: types.consistencies.all };
  try {
    await driver.execute(
      `CREATE KEYSPACE IF NOT EXISTS flotilla_lab WITH replication = {'class': 'NetworkTopologyStrategy', '${dc}': ${w.replicationFactor}}`,
      [],
      all,
    );
    await driver.execute(`CREATE TABLE ${table} (k int PRIMARY KEY, v int)`, [], all);
  } catch (err) {
    await driver.shutdown().catch(() => undefined);
    throw err;
  }
  return { start: (h) => run(driver, table, w, h) };
}

function run(driver: Driver, table: string, w: CassandraWorkload, h: History): CassandraRun {
  const keys: number[] = [];
  let staleReads = 0;
  let n = 0;
  const one = async () => {
    const read = keys.length > 0 && n % w.readEvery === w.readEvery - 1;
    const key = read ? keys[Math.floor(Math.random() * keys.length)]! : n;
    n++;
    const f = read ? 'read' : 'write';
    const p = h.invoke(f, key);
    try {
      if (read) {
        const rs = await driver.execute(`SELECT v FROM ${table} WHERE k = ?`, [key]);
        if (rs.rowLength === 0) {
          staleReads++;
          h.complete(p, 'fail', f, key, 'an acknowledged write was not there');
        } else h.complete(p, 'ok', f, key);
      } else {
        await driver.execute(`INSERT INTO ${table} (k, v) VALUES (?, ?)`, [key, key]);
        keys.push(key);
        h.complete(p, 'ok', f, key);
      }
    } catch (err) {
      h.complete(p, indeterminate(err) ? 'info' : 'fail', f, key, (err as Error).message ?? String(err));
    }
  };
  const pumping = pump(one, w.rate, 8);
  return {
    stop: () => pumping.stop(),
    check: () => checkTable(driver, table, keys, n, staleReads, w.consistency),
    close: () => driver.shutdown().catch(() => undefined),
  };
}

function lower(c: Exclude<Consistency, 'LOCAL_QUORUM'>): 'one' | 'two' | 'quorum' | 'all' {
  return c.toLowerCase() as 'one' | 'two' | 'quorum' | 'all';
}

/**
 * The cassandra-acknowledged checker: the whole table read at QUORUM (paged), against what was
 * acknowledged. Lost: acknowledged and absent. Stale reads (an acknowledged key not found by a read
 * during the run) fail the verdict only where the workload's level promises to see them (QUORUM, ALL:
 * a read and a write quorum overlap); at ONE or TWO they are counted, as is every loss.
 */
async function checkTable(
  driver: Driver,
  table: string,
  acknowledged: number[],
  attempted: number,
  staleReads: number,
  consistency: Consistency,
): Promise<CheckerResult> {
  const present = new Set<number>();
  let pageState: string | undefined;
  do {
    const rs = await driver.execute(`SELECT k FROM ${table}`, [], {
      consistency: types.consistencies.quorum,
      fetchSize: 5000,
      ...(pageState ? { pageState } : {}),
    });
    for (const row of rs.rows) present.add(row.k as number);
    pageState = rs.pageState ?? undefined;
  } while (pageState);
  const lost = acknowledged.filter((k) => !present.has(k));
  const acked = new Set(acknowledged);
  const strong = consistency === 'QUORUM' || consistency === 'LOCAL_QUORUM' || consistency === 'ALL';
  return {
    kind: 'cassandra-acknowledged',
    valid: lost.length === 0 && (!strong || staleReads === 0),
    figures: {
      consistency,
      attempted,
      acknowledged: acknowledged.length,
      lost: lost.length,
      staleReads,
      unacknowledgedPresent: [...present].filter((k) => !acked.has(k)).length,
    },
    anomalies: [
      ...lost.slice(0, 50).map((k) => `lost: key ${k} was acknowledged and is not there`),
      ...(staleReads > 0 ? [`${staleReads} read(s) missed an acknowledged write`] : []),
    ],
  };
}
