import { FlotillaError } from '../../core/errors.js';
import type { OperationDefinition, PhaseDefinition, ServiceOps, StepDefinition } from '../package.js';
import { nextGeneration, STATE } from './config.js';
import { MAX_NODES } from './options.js';
import {
  JOIN_TIMEOUT,
  lastLine,
  nodeNamed,
  nodetool,
  ringNodes,
  ringSeenBy,
  ringStep,
  SETTLE_TIMEOUT,
  STREAM_TIMEOUT,
  waitForRing,
} from './ring.js';

/**
 * Where an interrupted scale started: its steps are built from the ring size it started at, which
 * the steps keep in the service's state (STATE.scale) while it runs, so `continue` rebuilds them.
 */
function scaleOrigin(marker: string | undefined, target: number, current: number): number {
  const m = /^(\d+)->(\d+)$/.exec(marker ?? '');
  if (!m || Number(m[2]) !== target) return current;
  const from = Number(m[1]);
  return current >= Math.min(from, target) && current <= Math.max(from, target) ? from : current;
}

function grow(from: number, target: number): PhaseDefinition[] {
  const added = Array.from({ length: target - from }, (_, i) => `cassandra-${from + i}`);
  const old = Array.from({ length: from }, (_, i) => `cassandra-${i}`);
  return [
    {
      name: 'grow',
      steps: [
        {
          name: 'deploy',
          async run(ops) {
            await ops.redeploy({
              options: { nodes: target },
              state: { [STATE.scale]: `${from}->${target}`, [STATE.scaledTo]: String(target) },
            });
            const have = ringNodes(ops).length;
            if (have !== target) {
              throw new Error(
                `the service has ${have} nodes, not ${target}: the scheduler could not place them yet (one Cassandra ` +
                  'node per Flotilla node): see `flotilla queue`, or run the daemon with more FLOTILLA_NODES',
              );
            }
            ops.say(`${added.join(', ')} launched; they bootstrap one at a time`);
          },
        },
      ],
    },
    {
      name: 'bootstrap',
      steps: added.map((name): StepDefinition => ({
        name,
        async run(ops) {
          ops.say(`${name} bootstraps: streams its share of the data`);
          await ops.waitReady(name, JOIN_TIMEOUT);
          ops.say(`${name} is Up/Normal`);
        },
      })),
    },
    {
      // The old nodes still hold the ranges they handed over: cleanup drops them, one node at a time.
      name: 'cleanup',
      steps: [
        ringStep('verify-ring'),
        ...old.map((name, i): StepDefinition => ({
          name,
          async run(ops) {
            ops.say('nodetool cleanup under way');
            await nodetool(ops, nodeNamed(ops, name), ['cleanup'], STREAM_TIMEOUT).catch((err: unknown) => {
              throw new Error(`nodetool cleanup on ${name}: ${lastLine(err)}`);
            });
            if (i === old.length - 1) await ops.redeploy({ state: { [STATE.scale]: null } });
            ops.say('data it no longer owns dropped');
          },
        })),
      ],
    },
  ];
}

const BELOW_RF =
  'Below 3 nodes, a keyspace with replication factor 3 cannot keep its replicas (nor QUORUM with one node down).';

function shrink(from: number, target: number, force: boolean): PhaseDefinition[] {
  const removed = Array.from({ length: from - target }, (_, i) => from - 1 - i);
  return [
    {
      name: 'decommission',
      steps: removed.map((index): StepDefinition => ({
        name: `cassandra-${index}`,
        run: (ops) => removeNode(ops, index, { from, target, force }),
      })),
    },
  ];
}

/** Decommissions the highest node (it streams its ranges to the nodes that stay), then removes its task. */
async function removeNode(
  ops: ServiceOps,
  index: number,
  plan: { from: number; target: number; force: boolean },
): Promise<void> {
  const name = `cassandra-${index}`;
  const nodes = ringNodes(ops);
  const node = nodes.find((n) => n.name === name);
  const marker = index === plan.target ? null : `${plan.from}->${plan.target}`;
  if (!node) {
    await ops.redeploy({ state: { [STATE.scale]: marker } });
    ops.say(`${name} was removed already`);
    return;
  }
  if (plan.target < 3) ops.say(BELOW_RF);
  const stay = nodes.filter((n) => n.index < index);
  const members = await ringSeenBy(ops, stay);
  const state = members.find((m) => m.address === node.host)?.state;
  if (state === 'UN') {
    ops.say('nodetool decommission: streaming its ranges to the nodes that stay');
    await nodetool(
      ops,
      node,
      plan.force ? ['decommission', '--force'] : ['decommission'],
      STREAM_TIMEOUT,
    ).catch((err: unknown) => {
      const why = lastLine(err);
      throw new Error(
        /not enough live nodes/i.test(why)
          ? `${why} ${BELOW_RF} Lower that keyspace's replication factor first (ALTER KEYSPACE), or scale with ` +
              'force=true (`flotilla cassandra scale --force`) to keep fewer replicas than it asks for.'
          : `nodetool decommission on ${name}: ${why}`,
      );
    });
  } else if (state !== undefined && state !== 'UL') {
    throw new Error(
      `${name} is ${state}: only a live node can stream its data away; bring it up, then \`flotilla plan continue\``,
    );
  }
  await waitForRing(
    ops,
    stay,
    (m) => (m.some((x) => x.address === node.host) ? `${name} is still leaving the ring` : null),
    state === 'UL' ? STREAM_TIMEOUT : SETTLE_TIMEOUT,
  );
  const current = ops.state();
  const seeds = (current[STATE.seeds] ?? '')
    .split(',')
    .filter((s) => s && s !== name)
    .join(',');
  // Its sandbox keeps the old data (removed, not purged); a later scale-up that brings the task back
  // starts from empty data thanks to the new generation, and bootstraps as a new node.
  await ops.redeploy({
    options: { nodes: index },
    state: {
      [STATE.fresh(name)]: nextGeneration(current, name),
      [STATE.replace(name)]: null,
      [STATE.seeds]: seeds || null,
      [STATE.scale]: marker,
      [STATE.scaledTo]: String(index),
    },
  });
  ops.say(`${name} decommissioned and removed`);
}

function targetOf(parameters: Record<string, string>): number {
  const target = Number(parameters.nodes);
  if (!Number.isInteger(target) || target < 1 || target > MAX_NODES) {
    throw new FlotillaError(
      'PLAN_PARAMETERS_INVALID',
      `scale needs "nodes", a whole number from 1 to ${MAX_NODES} (got "${parameters.nodes}"); ` +
        'a ring needs at least one node, and 3 for replication factor 3',
    );
  }
  return target;
}

export const scale: OperationDefinition = {
  description:
    'Scale the ring to N nodes: new nodes bootstrap one at a time, then the old ones drop what they handed ' +
    'over (nodetool cleanup); going down, the highest nodes decommission one by one (streaming their data ' +
    "away) before their tasks are removed. Cassandra refuses to go below a keyspace's replication factor " +
    'unless force=true.',
  parameters: {
    nodes: { description: `the ring size to reach, 1 to ${MAX_NODES}`, required: true },
    force: {
      description:
        "true: decommission even below a keyspace's replication factor (its data then has fewer replicas)",
      required: false,
    },
  },
  async check(parameters, ops) {
    const target = targetOf(parameters);
    const current = ringNodes(ops).length;
    if (target <= current) return;
    // Asked of the scheduler before anything changes: a deploy step that found no room would leave
    // the service with its options changed and waiting in the queue, half scaled.
    const why = await ops.wouldWait({ options: { nodes: target } });
    if (why !== null) {
      throw new FlotillaError(
        'PLAN_DOES_NOT_FIT',
        `the ring cannot grow from ${current} to ${target} nodes: ${why} (one Cassandra node per Flotilla node)`,
      );
    }
  },
  build(parameters, ops) {
    const target = targetOf(parameters);
    const force = parameters.force ?? 'false';
    if (force !== 'true' && force !== 'false') {
      throw new FlotillaError('PLAN_PARAMETERS_INVALID', `scale's "force" is true or false (got "${force}")`);
    }
    const current = ringNodes(ops).length;
    const from = scaleOrigin(ops.state()[STATE.scale], target, current);
    if (target > from) return grow(from, target);
    if (target < from) return shrink(from, target, force === 'true');
    return [{ name: 'check', steps: [ringStep('verify-ring')] }];
  },
};

/** A stack file that disagrees with the size a scale plan set would resize the ring without it. */
export function checkRedeclared(
  stored: { options: Record<string, unknown>; state: Record<string, string> },
  declared: Record<string, unknown>,
  service: string,
): void {
  const scaledTo = stored.state[STATE.scaledTo];
  if (scaledTo === undefined) return;
  const now = Number(stored.options.nodes);
  const wanted = Number(declared.nodes);
  if (wanted === now) return;
  throw new FlotillaError(
    'STACK_OUT_OF_DATE',
    `${service}: the file asks for ${wanted} nodes, but \`cassandra scale\` set the ring to ${now}; ` +
      `applying it would ${wanted < now ? 'remove nodes without decommissioning them' : 'grow the ring outside a plan'}. ` +
      `Set \`nodes: ${now}\` in the file to keep the ring as it is, or run \`flotilla cassandra scale ${service} ${wanted}\` to change it`,
  );
}
