import type { Command } from 'commander';
import type { FlotillaClient } from '../../client/client.js';
import { CONSISTENCY_LEVELS, type ConsistencyLevel } from '../../core/cql.js';
import type { CqlResultView } from '../../core/cql-schemas.js';
import { FlotillaError } from '../../core/errors.js';
import type { PlanView } from '../../core/plan-schemas.js';
import { context } from '../context.js';
import { positiveSeconds, wholeNumber } from '../options.js';
import { printTable } from '../output.js';
import { followPlan } from '../plan-follow.js';
import { printPlan } from './plan.js';

interface WaitOptions {
  wait?: boolean;
  timeout: number;
}

function withWait(cmd: Command): Command {
  return cmd
    .option('--wait', 'follow the plan until it is COMPLETE (exit 1 if it fails)')
    .option('--timeout <seconds>', 'how long --wait follows it', positiveSeconds, 3600);
}

/** Starts a plan, prints it, and with --wait follows it to the end. */
async function runPlan(
  cmd: Command,
  service: string,
  opts: WaitOptions,
  start: (client: FlotillaClient) => Promise<PlanView>,
): Promise<void> {
  const ctx = context(cmd);
  const client = await ctx.client();
  const started = await start(client);
  if (!opts.wait) {
    ctx.emit(started, printPlan);
    return;
  }
  if (!ctx.json) console.log(`plan ${started.name} of ${service} started`);
  const done = await followPlan(client, service, started.name, opts.timeout * 1000, ctx.json);
  ctx.emit(done, printPlan);
}

function printCql(r: CqlResultView): void {
  if (r.columns.length > 0) {
    printTable(
      r.columns.map((c) => c.name),
      r.rows.map((row) => r.columns.map((c) => cell(row[c.name]))),
    );
    const more = r.truncated ? ' (more rows matched: raise --max-rows, or narrow the query)' : '';
    console.log(`(${r.rows.length} rows${more})`);
  } else {
    console.log(`done (${r.consistency}, coordinator ${r.coordinator})`);
  }
  for (const w of r.warnings) console.error(`warning: ${w}`);
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function consistency(value: string): string {
  const upper = value.toUpperCase();
  if (!(CONSISTENCY_LEVELS as readonly string[]).includes(upper)) {
    throw new FlotillaError(
      'VALIDATION_FAILED',
      `--consistency ${value}: use one of ${CONSISTENCY_LEVELS.join(', ')}`,
    );
  }
  return upper;
}

/** `flotilla cassandra …`: CQL, and the DC/OS Cassandra service's node, health, replace, repair, scale. */
export function registerCassandraCommands(c: Command): void {
  c.command('cql')
    .description('run one CQL statement (through the daemon, with the DataStax driver)')
    .argument('<service>', 'the cassandra service')
    .argument('<statement>', 'the CQL statement, quoted')
    .option('--consistency <level>', `${CONSISTENCY_LEVELS.join(', ')}`, consistency, 'QUORUM')
    .option('--max-rows <n>', 'rows printed at most', wholeNumber, 1000)
    .action(
      async (
        service: string,
        statement: string,
        opts: { consistency: string; maxRows: number },
        cmd: Command,
      ) => {
        const ctx = context(cmd);
        const result = await (
          await ctx.client()
        ).cql(service, {
          statement,
          consistency: opts.consistency as ConsistencyLevel,
          maxRows: Math.max(1, opts.maxRows),
        });
        ctx.emit(result, printCql);
      },
    );

  c.command('nodes')
    .description("the ring's nodes: address, state, ready")
    .argument('<service>', 'the cassandra service')
    .action(async (service: string, _opts, cmd: Command) => {
      const ctx = context(cmd);
      ctx.emit(await (await ctx.client()).serviceNodes(service), (nodes) =>
        printTable(
          ['node', 'host', 'ports', 'state', 'ready', 'on'],
          nodes.map((n) => [n.name, n.host, n.ports.join(','), n.state, n.ready ? 'yes' : 'no', n.node]),
        ),
      );
    });

  c.command('health')
    .description('the cluster health report: HEALTHY, DEGRADED or UNHEALTHY')
    .argument('<service>', 'the cassandra service')
    .action(async (service: string, _opts, cmd: Command) => {
      const ctx = context(cmd);
      ctx.emit(await (await ctx.client()).serviceHealth(service), (h) =>
        console.log(
          `${h.status}: ${h.ready} of ${h.nodes} nodes ready (deploy ${h.deploy}, recovery ${h.recovery})`,
        ),
      );
    });

  withWait(
    c
      .command('replace')
      .description('replace a node: a fresh one takes over its tokens and streams its data')
      .argument('<service>', 'the cassandra service')
      .argument('<node>', 'the node, e.g. cassandra-1'),
  ).action(async (service: string, node: string, opts: WaitOptions, cmd: Command) =>
    runPlan(cmd, service, opts, (client) => client.replaceNode(service, node)),
  );

  withWait(
    c
      .command('restart')
      .description('restart a node in place (same data) and wait until it is Up/Normal')
      .argument('<service>', 'the cassandra service')
      .argument('<node>', 'the node, e.g. cassandra-1'),
  ).action(async (service: string, node: string, opts: WaitOptions, cmd: Command) =>
    runPlan(cmd, service, opts, (client) => client.startPlan(service, 'restart', { node })),
  );

  withWait(
    c
      .command('repair')
      .description('repair node by node (nodetool repair -pr on each)')
      .argument('<service>', 'the cassandra service'),
  ).action(async (service: string, opts: WaitOptions, cmd: Command) =>
    runPlan(cmd, service, opts, (client) => client.repairService(service)),
  );

  withWait(
    c
      .command('scale')
      .description('grow or shrink the ring: new nodes bootstrap, removed ones decommission first')
      .argument('<service>', 'the cassandra service')
      .argument('<nodes>', 'the ring size to reach', wholeNumber)
      .option('--force', "decommission even below a keyspace's replication factor"),
  ).action(async (service: string, nodes: number, opts: WaitOptions & { force?: boolean }, cmd: Command) =>
    runPlan(cmd, service, opts, (client) =>
      opts.force
        ? client.startPlan(service, 'scale', { nodes: String(nodes), force: 'true' })
        : client.scaleService(service, nodes),
    ),
  );
}
