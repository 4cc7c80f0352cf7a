import { Type, type Static } from '@sinclair/typebox';
import { PlanView } from './plan-schemas.js';

/**
 * The answers of DC/OS's Cassandra service API (the Cassandra-on-Mesos scheduler DC/OS ran, its
 * docs/rest-api.md), in the shapes its docs give, for the scripts written against them. Fields
 * that scheduler knew and Flotilla does not (Mesos executor resources, a host id, the time of the
 * last health check) are left out rather than made up.
 */

export const DcosServiceParams = Type.Object({ name: Type.String() });
export const DcosNodeParams = Type.Object({ name: Type.String(), node: Type.String() });

const HealthCheckDetails = Type.Object({
  healthy: Type.Boolean(),
  msg: Type.String(),
  version: Type.String(),
  /** NORMAL when the node is ready; STARTING while alive and not ready yet; '' when not running. */
  operationMode: Type.String(),
  clusterName: Type.String(),
  dataCenter: Type.String(),
  rack: Type.String(),
  endpoint: Type.String(),
  joined: Type.Boolean(),
  nativeTransportRunning: Type.Boolean(),
  tokenCount: Type.Integer(),
  uptimeMillis: Type.Integer(),
});

export const DcosNode = Type.Object({
  tasks: Type.Object({
    SERVER: Type.Object({
      cpuCores: Type.Number(),
      diskMb: Type.Number(),
      memMb: Type.Number(),
      taskId: Type.String(),
    }),
  }),
  executorId: Type.String(),
  /** Flotilla's own name of the node (cassandra-1): what `node/{node}/replace` takes, as do ip and executorId. */
  name: Type.String(),
  ip: Type.String(),
  hostname: Type.String(),
  targetRunState: Type.String(),
  jmxPort: Type.Integer(),
  nativePort: Type.Integer(),
  seedNode: Type.Boolean(),
  cassandraDaemonPid: Type.Union([Type.Integer(), Type.Null()]),
  healthCheckDetails: HealthCheckDetails,
});
export type DcosNode = Static<typeof DcosNode>;

/** GET /service/{name}/v1/node/all */
export const DcosNodeList = Type.Object({
  /** The addresses of nodes a running replace plan is replacing. */
  replaceNodes: Type.Array(Type.String()),
  /** Nodes the ring should have that no task runs yet (waiting for the scheduler, or not launched). */
  nodesToAcquire: Type.Integer(),
  nodes: Type.Array(DcosNode),
});
export type DcosNodeList = Static<typeof DcosNodeList>;

const Expectation = Type.Union([Type.Integer(), Type.Array(Type.Boolean()), Type.Array(Type.String())]);

/** GET /service/{name}/v1/health/cluster/report */
export const DcosHealthReport = Type.Object({
  healthy: Type.Boolean(),
  results: Type.Array(
    Type.Object({ name: Type.String(), ok: Type.Boolean(), expected: Expectation, actual: Expectation }),
  ),
});
export type DcosHealthReport = Static<typeof DcosHealthReport>;

/** POST /service/{name}/v1/node/{node}/replace */
export const DcosReplaceAnswer = Type.Object({
  success: Type.Boolean(),
  ipToReplace: Type.String(),
  hostname: Type.String(),
  targetRunState: Type.String(),
  plan: PlanView,
});

/** POST /service/{name}/v1/cluster/repair/start */
export const DcosStartedAnswer = Type.Object({ started: Type.Boolean(), plan: PlanView });

/** POST /service/{name}/v1/scale/nodes?nodeCount=N */
export const DcosScaleQuery = Type.Object({ nodeCount: Type.Integer({ minimum: 1, maximum: 100 }) });
export const DcosScaleAnswer = Type.Object({
  oldNodeCount: Type.Integer(),
  seedNodeCount: Type.Integer(),
  applied: Type.Boolean(),
  newNodeCount: Type.Integer(),
  plan: PlanView,
});
