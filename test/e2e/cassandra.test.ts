import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Static } from '@sinclair/typebox';
import cassandraDriver from 'cassandra-driver';
import { clientOptions } from '../../src/catalog/cassandra/client.js';
import { portOpen } from '../../src/catalog/zookeeper/testing/harness.js';
import type { TaskView } from '../../src/core/api-schemas.js';
import type { Endpoint } from '../../src/core/service.js';
import type {
  DcosHealthReport,
  DcosNodeList,
  DcosReplaceAnswer,
  DcosStartedAnswer,
} from '../../src/core/dcos-cassandra-schemas.js';
import type { PlanView } from '../../src/core/plan-schemas.js';
import type { Report } from '../../src/lab/report.js';
import { launchChromium, shotsDir, watchErrors } from '../helpers/browser.js';
import { rawRequest } from '../helpers/daemon.js';
import { adminToken, TestHome, waitFor } from '../helpers/flotilla.js';

type ReplaceAnswer = Static<typeof DcosReplaceAnswer>;
type StartedAnswer = Static<typeof DcosStartedAnswer>;

const { Client, concurrent, types } = cassandraDriver;
const run = promisify(execFile);
const ROWS = 10_000;
const SERVICE = 'ring';

/**
 * Retries an idempotent statement whose replicas timed out (a timeout is no acknowledgement): on a
 * 2-core machine shared with other suites, three JVMs and 100 writes in flight can miss Cassandra's
 * 2 s write timeout now and then. Socket errors (a killed node) go to the next node anyway.
 */
class RetryTimeouts extends cassandraDriver.policies.retry.RetryPolicy {
  override onWriteTimeout(
    info: cassandraDriver.policies.retry.OperationInfo,
    consistency: cassandraDriver.types.consistencies,
  ): cassandraDriver.policies.retry.DecisionInfo {
    return info.nbRetry < 5 ? this.retryResult(consistency, false) : this.rethrowResult();
  }
  override onReadTimeout(
    info: cassandraDriver.policies.retry.OperationInfo,
    consistency: cassandraDriver.types.consistencies,
  ): cassandraDriver.policies.retry.DecisionInfo {
    return info.nbRetry < 5 ? this.retryResult(consistency, false) : this.rethrowResult();
  }
}

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)}s`;

/**
 * examples/cassandra.yml with the real DataStax driver, through the CLI-started daemon: QUORUM
 * traffic through every coordinator, a SIGKILLed node, then the day-2 plans (replace, repair, scale
 * up and down, some through DC/OS's Cassandra routes as DC/OS scripts started them) with no row lost.
 * About 6 minutes.
 */
describe('Cassandra ring with day-2 plans (examples/cassandra.yml)', () => {
  const home = new TestHome();
  // A fourth virtual node for the scale-up, whatever this machine's default.
  home.env.FLOTILLA_NODES = '4';
  let client: InstanceType<typeof Client> | undefined;
  const t0 = Date.now();
  const timings: string[] = [];

  const nodes = async (): Promise<TaskView[]> =>
    (JSON.parse(await home.ok(['ps', '--json'])) as TaskView[])
      .filter((t) => t.owner === SERVICE && t.desired === 'running')
      .sort((a, b) => a.name.localeCompare(b.name));

  /** The ring as cassandra-0's own nodetool sees it: address → UN, DN, UJ… */
  async function ring(): Promise<Map<string, string>> {
    const first = (await nodes())[0]!;
    const { stdout } = await run('/bin/bash', [path.join(first.sandbox, 'bin/nodetool.sh'), 'status'], {
      timeout: 60_000,
    });
    return new Map([...stdout.matchAll(/^([UD][NLJM])\s+(\S+)/gm)].map((m) => [m[2]!, m[1]!]));
  }

  async function connect(): Promise<InstanceType<typeof Client>> {
    await client?.shutdown();
    const endpoints = JSON.parse(await home.ok(['service', 'endpoints', SERVICE, '--json'])) as Endpoint[];
    const c = new Client(
      clientOptions(endpoints[0]!, {
        queryOptions: { consistency: types.consistencies.quorum, prepare: true, isIdempotent: true },
        policies: { retry: new RetryTimeouts() },
      }),
    );
    await c.connect();
    client = c;
    return c;
  }

  async function write(from: number, count: number): Promise<void> {
    const result = await concurrent.executeConcurrent(
      client!,
      'INSERT INTO demo.rows (id, value) VALUES (?, ?)',
      Array.from({ length: count }, (_, i) => [from + i, `row-${from + i}`]),
      { concurrencyLevel: 100, raiseOnFirstError: true },
    );
    assert.equal(result.totalExecuted, count);
  }

  /** Every row at QUORUM, page by page, through `host` as the coordinator (or any). */
  async function readAll(host?: cassandraDriver.Host): Promise<Map<number, string>> {
    const seen = new Map<number, string>();
    let pageState: string | undefined;
    do {
      const page: cassandraDriver.types.ResultSet = await client!.execute(
        'SELECT id, value FROM demo.rows',
        [],
        {
          fetchSize: 2000,
          ...(host ? { host } : {}),
          ...(pageState ? { pageState } : {}),
        },
      );
      if (host) assert.equal(page.info.queriedHost, host.address);
      for (const row of page.rows) seen.set(row.get('id') as number, row.get('value') as string);
      pageState = page.pageState;
    } while (pageState);
    return seen;
  }

  async function assertAllRows(count: number, what: string): Promise<void> {
    const seen = await readAll();
    const lost = Array.from({ length: count }, (_, i) => i).filter((i) => seen.get(i) !== `row-${i}`);
    assert.deepEqual(lost.slice(0, 10), [], `${lost.length} rows lost ${what}`);
    assert.equal(seen.size, count, what);
  }

  /** DC/OS's Cassandra service API, as a script written for DC/OS calls it (plain HTTP, a bearer token). */
  async function dcosRaw(method: string, route: string): Promise<{ status: number; body: string }> {
    const url = new URL(`/service/${SERVICE}/v1/${route}`, home.daemonInfo()!.address);
    return rawRequest(url, method, undefined, adminToken(home.home));
  }

  async function dcos<T>(method: string, route: string): Promise<T> {
    const res = await dcosRaw(method, route);
    assert.equal(res.status, 200, `${method} ${route}: ${res.body}`);
    return JSON.parse(res.body) as T;
  }

  /** Polls a plan of the ring until it ends (COMPLETE, or ERROR/WAITING: no use waiting longer). */
  async function planEnded(name: string, timeoutMs: number): Promise<PlanView> {
    return waitFor(
      async () => {
        const p = await home.client().getPlan(SERVICE, name);
        return p.status === 'COMPLETE' || p.status === 'ERROR' || p.status === 'WAITING' ? p : null;
      },
      timeoutMs,
      `the ${name} plan COMPLETE`,
    );
  }

  async function assertRing(count: number): Promise<void> {
    const tasks = await nodes();
    assert.equal(tasks.length, count);
    const seen = await waitFor(
      async () => {
        const r = await ring();
        return r.size === count && [...r.values()].every((s) => s === 'UN') ? r : null;
      },
      120_000,
      `${count} nodes Up/Normal`,
    );
    assert.deepEqual([...seen.keys()].sort(), tasks.map((t) => t.host).sort());
  }

  /**
   * Starts the `restart` operation of one node from the service's page in Chromium and returns the
   * statuses the plan showed, in order, until it is COMPLETE (no reload: SSE moves the page).
   */
  async function restartFromConsole(node: string): Promise<string[]> {
    const browser = await launchChromium();
    try {
      const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
      const errors = watchErrors(page);
      await page.goto(`${home.daemonInfo()!.address}/`);
      await page.getByLabel('API token').fill(adminToken(home.home));
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('heading', { name: 'Services and apps' }).waitFor();
      await page.goto(`${home.daemonInfo()!.address}/#/services/${SERVICE}`);
      const form = page.getByRole('form', { name: 'Start restart' });
      await form.getByLabel('node', { exact: true }).fill(node);
      await form.getByRole('button', { name: 'Start restart' }).click();
      const plan = page.locator('section[data-plan="restart"]');
      const statuses: string[] = [];
      await waitFor(
        async () => {
          const status = (await plan.getAttribute('data-status')) ?? '';
          if (status !== statuses.at(-1)) statuses.push(status);
          return status === 'COMPLETE';
        },
        900_000,
        'the restart plan COMPLETE in the console',
      );
      assert.match((await plan.textContent()) ?? '', new RegExp(`node=${node}`));
      assert.deepEqual(
        await plan.locator('[data-testid="step-status"]').allTextContents(),
        ['COMPLETE', 'COMPLETE', 'COMPLETE'],
        'restart, rejoin, verify-ring',
      );
      await page.screenshot({ path: path.join(shotsDir(), 'plans.png'), fullPage: true });
      assert.deepEqual(errors, []);
      return statuses;
    } finally {
      await browser.close();
    }
  }

  before(async () => {
    await home.ok(['up', '-f', 'examples/cassandra.yml', '--wait', '--timeout', '600'], 700_000);
    timings.push(`up ${seconds(t0)}`);
  });
  after(async () => {
    await client?.shutdown().catch((err: unknown) => console.error('driver shutdown:', err));
    console.log(`cassandra e2e: ${timings.join(', ')}; total ${seconds(t0)}`);
    // FLOTILLA_KEEP_HOMES=1 keeps the sandboxes (logs, data) for a post-mortem.
    const purge = process.env.FLOTILLA_KEEP_HOMES ? [] : ['--purge'];
    await home.ok(['down', 'cassandra', ...purge], 300_000).catch((err: unknown) => console.error(err));
    assert.equal(await home.cleanup(), 0);
  });

  it('writes 10,000 rows at QUORUM and reads them all back through every node', async () => {
    const start = Date.now();
    // Schema through the CLI (the daemon runs it with the driver), data through the driver here.
    await home.ok([
      'cassandra',
      'cql',
      SERVICE,
      "CREATE KEYSPACE demo WITH replication = {'class': 'NetworkTopologyStrategy', 'datacenter1': 3}",
    ]);
    await home.ok(['cassandra', 'cql', SERVICE, 'CREATE TABLE demo.rows (id int PRIMARY KEY, value text)']);
    const c = await connect();
    assert.equal(c.hosts.length, 3);
    await write(0, ROWS);
    const written = Date.now();
    for (const host of c.hosts.values()) {
      const seen = await readAll(host);
      assert.equal(seen.size, ROWS, `rows read through ${host.address}`);
      assert.equal(seen.get(ROWS - 1), `row-${ROWS - 1}`);
    }
    const cql = JSON.parse(
      await home.ok(['cassandra', 'cql', SERVICE, 'SELECT value FROM demo.rows WHERE id = 42', '--json']),
    ) as { rows: { value: string }[]; consistency: string };
    assert.deepEqual(cql.rows, [{ value: 'row-42' }]);
    assert.equal(cql.consistency, 'QUORUM');
    timings.push(`${ROWS} writes ${seconds(start)}`, `3 full reads ${seconds(written)}`);
  });

  it('keeps reads and writes at QUORUM working while a node is SIGKILLed', async () => {
    const victim = (await nodes()).find((t) => t.name === 'cassandra-1')!;
    assert.ok(victim.pid);
    process.kill(victim.pid, 'SIGKILL');
    const killed = Date.now();
    // A first batch and a read while the node is surely down: Flotilla relaunches it at once, but a
    // Cassandra JVM takes far longer than a second to serve CQL again.
    await write(ROWS, 100);
    const some: cassandraDriver.types.ResultSet = await client!.execute(
      'SELECT id, value FROM demo.rows WHERE id IN (1, 5000, 10050)',
    );
    assert.equal(await portOpen(victim.host, victim.ports[0]!), false, 'the node was down meanwhile');
    assert.deepEqual(
      some.rows.map((r) => r.get('value') as string).sort(),
      ['row-1', 'row-10050', 'row-5000'].sort(),
    );
    // The rest may meet the node coming back: they must keep working through that too.
    await write(ROWS + 100, 900);
    timings.push(`1000 writes and a read with ${victim.name} down ${seconds(killed)}`);
  });

  it('replaces the killed node: the ring is back to 3 UN and no row is lost', async () => {
    // A node DC/OS never knew is a coded refusal that names the nodes there are (nothing starts).
    const unknown = await dcosRaw('POST', 'node/no-such-node/replace');
    assert.equal(unknown.status, 400, unknown.body);
    const refusal = JSON.parse(unknown.body) as { code: string; message: string };
    assert.equal(refusal.code, 'PLAN_PARAMETERS_INVALID');
    assert.match(refusal.message, /no node "no-such-node"; its nodes are cassandra-0 \(/);

    // Replaced as a DC/OS script did it: the node named by its address, then the plan until COMPLETE.
    const start = Date.now();
    const { host } = (await nodes()).find((t) => t.name === 'cassandra-1')!;
    const answer = await dcos<ReplaceAnswer>('POST', `node/${host}/replace`);
    assert.deepEqual(
      [answer.success, answer.ipToReplace, answer.hostname, answer.targetRunState],
      [true, host, host, 'TERMINATE'],
    );
    assert.equal(answer.plan.name, 'replace');
    assert.deepEqual(answer.plan.parameters, { node: 'cassandra-1' });
    assert.ok(['PENDING', 'STARTING'].includes(answer.plan.status), JSON.stringify(answer.plan));
    assert.deepEqual(
      answer.plan.phases.flatMap((p) => p.steps.map((s) => s.name)),
      ['check-peers', 'relaunch-fresh', 'bootstrap', 'verify-ring'],
    );
    // The plan takes minutes (a JVM relaunched, its ranges streamed): it is surely still under way.
    assert.deepEqual((await dcos<DcosNodeList>('GET', 'node/all')).replaceNodes, [host]);
    const replaced = await planEnded('replace', 900_000);
    assert.equal(replaced.status, 'COMPLETE', JSON.stringify(replaced));
    assert.deepEqual(replaced.parameters, { node: 'cassandra-1' });
    timings.push(`replace ${seconds(start)}`);
    await assertRing(3);
    const logs = await home.ok(['logs', `${SERVICE}.cassandra-1`, '--tail', '100000']);
    assert.match(logs, /data generation 1: emptying/);
    assert.match(logs, /replac/i);
    await connect();
    await assertAllRows(ROWS + 1000, 'after the replace');

    const plans = await home.client().listPlans(SERVICE);
    assert.deepEqual(plans.operations.map((o) => o.name).sort(), ['repair', 'replace', 'restart', 'scale']);
    assert.equal(plans.plans.find((p) => p.name === 'replace')?.status, 'COMPLETE');
    const health = await waitFor(
      async () => {
        const h = await home.client().serviceHealth(SERVICE);
        return h.status === 'HEALTHY' ? h : null;
      },
      90_000,
      'health HEALTHY',
    );
    assert.equal(health.ready, 3);
    assert.match(await home.ok(['cassandra', 'health', SERVICE]), /^HEALTHY: 3 of 3 nodes ready/);
  });

  it('repairs node by node, and restarts a node in place', async () => {
    // The ring the replace left, through DC/OS's Cassandra routes: every node Up/Normal at its own address.
    const report = await waitFor(
      async () => {
        const r = await dcos<DcosHealthReport>('GET', 'health/cluster/report');
        return r.healthy ? r : null;
      },
      120_000,
      'DC/OS health report healthy',
    );
    assert.deepEqual(report.results.find((r) => r.name === 'nodeCount')?.actual, 3);
    const all = await dcos<DcosNodeList>('GET', 'node/all');
    const tasks = await nodes();
    assert.equal(all.nodesToAcquire, 0);
    assert.deepEqual(all.replaceNodes, []);
    assert.deepEqual(
      all.nodes.map((n) => [
        n.name,
        n.ip,
        n.jmxPort,
        n.cassandraDaemonPid,
        n.healthCheckDetails.operationMode,
      ]),
      tasks.map((t) => [t.name, t.host, t.ports[2], t.pid, 'NORMAL']),
    );
    assert.deepEqual(
      all.nodes.map((n) => n.seedNode),
      [true, true, false],
    );

    const start = Date.now();
    const repair = await home.ok(['cassandra', 'repair', SERVICE, '--wait', '--timeout', '900'], 1_000_000);
    assert.match(repair, /^repair: COMPLETE$/m);
    assert.match(repair, /repair\/cassandra-2 +COMPLETE/);
    timings.push(`repair ${seconds(start)}`);

    // A second repair as a DC/OS script started it, followed through the plan, shown by the CLI.
    const again = Date.now();
    const started = await dcos<StartedAnswer>('POST', 'cluster/repair/start');
    assert.equal(started.started, true);
    assert.equal(started.plan.name, 'repair');
    assert.ok(['PENDING', 'STARTING'].includes(started.plan.status), JSON.stringify(started.plan));
    const steps = ['cassandra-0', 'cassandra-1', 'cassandra-2'];
    assert.deepEqual(
      started.plan.phases.map((p) => [p.name, p.steps.map((s) => s.name)]),
      [['repair', steps]],
    );
    const repaired = await planEnded('repair', 900_000);
    assert.equal(repaired.status, 'COMPLETE', JSON.stringify(repaired));
    const shown = await home.ok(['plan', 'show', SERVICE, 'repair']);
    assert.match(shown, /^repair: COMPLETE$/m);
    for (const step of steps) assert.match(shown, new RegExp(`^repair +${step} +COMPLETE\\b`, 'm'));
    timings.push(`repair (DC/OS route) ${seconds(again)}`);

    // The restart from the web console: its form on the service's page, its steps followed live.
    const restart = Date.now();
    const before = (await nodes()).find((t) => t.name === 'cassandra-2')!;
    const statuses = await restartFromConsole('cassandra-2');
    assert.equal(statuses.at(-1), 'COMPLETE');
    assert.ok(statuses.includes('STARTING'), `the page showed the plan under way: ${statuses.join(' → ')}`);
    const after = (await nodes()).find((t) => t.name === 'cassandra-2')!;
    assert.notEqual(after.pid, before.pid);
    assert.equal(after.launches, before.launches + 1);
    timings.push(`restart ${seconds(restart)}`);
    await assertRing(3);
  });

  it('scales to 4 nodes and back to 3 without losing a row', async () => {
    const up = Date.now();
    // Scaled up as a DC/OS script did it: POST scale/nodes?nodeCount=4, then the report until healthy.
    const scaled = await dcos<{ oldNodeCount: number; newNodeCount: number; applied: boolean }>(
      'POST',
      'scale/nodes?nodeCount=4',
    );
    assert.deepEqual([scaled.oldNodeCount, scaled.newNodeCount, scaled.applied], [3, 4, true]);
    const scalePlan = await waitFor(
      async () => {
        const p = await home.client().getPlan(SERVICE, 'scale');
        return p.status === 'COMPLETE' || p.status === 'ERROR' ? p : null;
      },
      900_000,
      'scale plan COMPLETE',
    );
    assert.equal(scalePlan.status, 'COMPLETE', JSON.stringify(scalePlan));
    assert.equal(scalePlan.parameters.nodes, '4');
    timings.push(`scale to 4 ${seconds(up)}`);
    await assertRing(4);
    const grown = await waitFor(
      async () => {
        const r = await dcos<DcosHealthReport>('GET', 'health/cluster/report');
        return r.healthy ? r : null;
      },
      120_000,
      'DC/OS health report healthy at 4 nodes',
    );
    assert.deepEqual(grown.results.find((r) => r.name === 'nodeCount')?.expected, 4);
    assert.equal((await dcos<DcosNodeList>('GET', 'node/all')).nodes.length, 4);
    await connect();
    await assertAllRows(ROWS + 1000, 'after the scale-up');

    const down = Date.now();
    await home.ok(['cassandra', 'scale', SERVICE, '3', '--wait', '--timeout', '900'], 1_000_000);
    timings.push(`scale to 3 ${seconds(down)}`);
    await assertRing(3);
    assert.deepEqual(
      (await nodes()).map((t) => t.name),
      ['cassandra-0', 'cassandra-1', 'cassandra-2'],
    );
    await connect();
    await assertAllRows(ROWS + 1000, 'after the scale-down');
  });

  it('an experiment at QUORUM under a node kill and an isolated node loses no acknowledged write', async () => {
    const start = Date.now();
    const out = path.join(home.home, 'report');
    const run = await home.cli(
      ['experiment', 'run', 'examples/experiments/cassandra-quorum.yml', '--out', out],
      600_000,
    );
    const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')) as Report;
    const checker = report.checkers[0]!;
    assert.equal(checker.kind, 'cassandra-acknowledged');
    assert.equal(checker.figures.lost, 0, checker.anomalies.join('\n'));
    assert.equal(checker.figures.staleReads, 0);
    assert.ok(Number(checker.figures.acknowledged) > 500, `acknowledged ${checker.figures.acknowledged}`);
    assert.deepEqual(
      report.faults.map((f) => f.kind),
      ['kill', 'isolate'],
    );
    assert.equal(run.code, 0, run.stdout + run.stderr);
    timings.push(`experiment ${seconds(start)} (${JSON.stringify(checker.figures)})`);
    await assertRing(3);
  });
});
