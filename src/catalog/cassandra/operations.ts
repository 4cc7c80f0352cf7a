import { FlotillaError } from '../../core/errors.js';
import type { OperationDefinition, ServiceOps, StepDefinition } from '../package.js';
import { nextGeneration, STATE } from './config.js';
import {
  JOIN_TIMEOUT,
  lastLine,
  MINUTE,
  nodeNamed,
  nodetool,
  ringNodes,
  ringSeenBy,
  ringStep,
  STREAM_TIMEOUT,
} from './ring.js';
import { scale } from './scale.js';

/**
 * Cassandra's day-2 plans (the DC/OS Cassandra service's, on our plan runner): replace, restart,
 * repair here, scale in scale.ts. Steps are idempotent where they can be, so that `continue` may run
 * one again.
 */

const replace: OperationDefinition = {
  description:
    'Replace a node by a fresh one on the same address: empty data, it takes over the old tokens and ' +
    'streams their data from the other replicas while the ring keeps serving QUORUM',
  parameters: { node: { description: 'the node to replace, e.g. cassandra-1', required: true } },
  build(parameters, ops) {
    const name = parameters.node ?? '';
    const node = nodeNamed(ops, name);
    if (ringNodes(ops).length < 2) {
      throw new FlotillaError(
        'PLAN_PARAMETERS_INVALID',
        `${name} is the ring's only node: no other replica holds its data to stream; scale the ring up first`,
      );
    }
    const peersOf = (ops: ServiceOps) => ringNodes(ops).filter((n) => n.name !== name);
    return [
      {
        name: 'replace',
        steps: [
          {
            // A replacement streams every range of the old node from the other replicas.
            name: 'check-peers',
            async run(ops) {
              const peers = peersOf(ops);
              const members = await ringSeenBy(ops, peers);
              const down = peers.flatMap((p) => {
                const state = members.find((m) => m.address === p.host)?.state ?? 'not in the ring';
                return state === 'UN' ? [] : [`${p.name} (${p.host}) is ${state}`];
              });
              if (down.length > 0) {
                throw new Error(
                  `${down.join(', ')}: a replacement streams from the other replicas, so they must be Up/Normal; ` +
                    'bring them up first, then `flotilla plan continue`',
                );
              }
              ops.say(`the other ${peers.length} nodes are Up/Normal`);
            },
          },
          {
            // The start script empties the data at launch (once per generation); the old process is
            // stopped first by the redeploy, so nothing races with a running Cassandra.
            name: 'relaunch-fresh',
            async run(ops) {
              await ops.redeploy({
                state: {
                  [STATE.fresh(name)]: nextGeneration(ops.state(), name),
                  [STATE.replace(name)]: node.host,
                },
              });
              ops.say(`relaunched with empty data and -Dcassandra.replace_address_first_boot=${node.host}`);
            },
          },
          {
            name: 'bootstrap',
            async run(ops) {
              ops.say(`${name} streams its ranges from the other replicas`);
              await ops.waitReady(name, JOIN_TIMEOUT);
            },
          },
          // The replace state stays: clearing it would re-render (so restart) the node, and Cassandra
          // ignores replace_address_first_boot once the node has bootstrapped.
          ringStep('verify-ring', name),
        ],
      },
    ];
  },
};

const restart: OperationDefinition = {
  description:
    'Restart a node in place: same data and address; it replays its commit log and rejoins without streaming',
  parameters: { node: { description: 'the node to restart, e.g. cassandra-1', required: true } },
  build(parameters, ops) {
    const name = nodeNamed(ops, parameters.node ?? '').name;
    return [
      {
        name: 'restart',
        steps: [
          {
            name: 'restart',
            async run(ops) {
              const launchOf = () => ops.tasks().find((t) => t.name === name)?.handle?.launchId;
              const before = launchOf();
              await ops.restartTask(name);
              // Until the relaunch is recorded the task still looks ready: wait for the new launch.
              const deadline = Date.now() + 5 * MINUTE;
              while (before !== undefined && launchOf() === before) {
                if (Date.now() > deadline) throw new Error(`${name} was not relaunched within 5 min`);
                await new Promise((r) => setTimeout(r, 250));
              }
              ops.say(`${name} relaunched`);
            },
          },
          {
            name: 'rejoin',
            async run(ops) {
              await ops.waitReady(name, JOIN_TIMEOUT);
              ops.say(`${name} is Up/Normal`);
            },
          },
          ringStep('verify-ring', name),
        ],
      },
    ];
  },
};

const repair: OperationDefinition = {
  description:
    'Anti-entropy repair, node by node: each repairs its primary ranges with their replicas (nodetool repair -pr)',
  parameters: {},
  build(_parameters, ops) {
    return [
      {
        name: 'repair',
        steps: ringNodes(ops).map((n): StepDefinition => ({
          name: n.name,
          async run(ops) {
            // Cassandra refuses it ("Nothing to repair … aborting"): one node has no replica to compare with.
            if (ringNodes(ops).length < 2)
              return ops.say('a ring of one node has no other replica: nothing to repair');
            ops.say('nodetool repair -pr under way');
            const out = await nodetool(ops, nodeNamed(ops, n.name), ['repair', '-pr'], STREAM_TIMEOUT).catch(
              (err: unknown) => {
                throw new Error(`nodetool repair -pr on ${n.name}: ${lastLine(err)}`);
              },
            );
            ops.say(lastLine(out) || 'repaired');
          },
        })),
      },
    ];
  },
};

export const operations: Record<string, OperationDefinition> = { replace, restart, repair, scale };
