import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses } from '../../core/api-schemas.js';
import {
  DcosHealthReport,
  DcosNodeList,
  DcosNodeParams,
  DcosReplaceAnswer,
  DcosScaleAnswer,
  DcosScaleQuery,
  DcosServiceParams,
  DcosStartedAnswer,
} from '../../core/dcos-cassandra-schemas.js';
import {
  assertCassandra,
  clusterReport,
  nodeList,
  resolveNode,
  targetCount,
} from '../../daemon/dcos-cassandra.js';
import type { ApiDeps } from '../deps.js';

const TAGS = ['dcos'];

/**
 * DC/OS's Cassandra service API under a service's base, `/service/{name}/v1/`, as DC/OS's admin
 * router served it: the node list and the cluster health report read from the service, and replace,
 * repair and scale start the package's plans (daemon/plans.ts). Authenticated and scoped to the
 * caller's tenant like every route; failures are coded errors.
 */
export const dcosCassandraRoutes =
  ({ plans }: ApiDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    const facts = (tenant: string, name: string) => {
      const f = plans.facts(tenant, name);
      assertCassandra(f.service);
      return f;
    };
    app.get(
      '/service/:name/v1/node/all',
      {
        schema: {
          tags: TAGS,
          summary: 'DC/OS Cassandra: every node with its address, ports, run state and health',
          params: DcosServiceParams,
          response: { 200: DcosNodeList, ...errorResponses },
        },
      },
      async (req) => nodeList(facts(req.tenant, req.params.name), Date.now()),
    );
    app.get(
      '/service/:name/v1/health/cluster/report',
      {
        schema: {
          tags: TAGS,
          summary: 'DC/OS Cassandra: the cluster health checks, each with what was expected and what is',
          params: DcosServiceParams,
          response: { 200: DcosHealthReport, ...errorResponses },
        },
      },
      async (req) => clusterReport(facts(req.tenant, req.params.name)),
    );
    app.post(
      '/service/:name/v1/node/:node/replace',
      {
        schema: {
          tags: TAGS,
          summary:
            'DC/OS Cassandra: replace a node (named by address, executor id or name) by a fresh one; starts the "replace" plan',
          params: DcosNodeParams,
          response: { 200: DcosReplaceAnswer, ...errorResponses },
        },
      },
      async (req) => {
        const node = resolveNode(facts(req.tenant, req.params.name), req.params.node);
        const plan = await plans.start(req.tenant, req.params.name, 'replace', { node: node.name });
        return {
          success: true,
          ipToReplace: node.host,
          hostname: node.host,
          targetRunState: 'TERMINATE',
          plan,
        };
      },
    );
    app.post(
      '/service/:name/v1/cluster/repair/start',
      {
        schema: {
          tags: TAGS,
          summary: 'DC/OS Cassandra: repair node by node; starts the "repair" plan',
          params: DcosServiceParams,
          response: { 200: DcosStartedAnswer, ...errorResponses },
        },
      },
      async (req) => {
        facts(req.tenant, req.params.name);
        return { started: true, plan: await plans.start(req.tenant, req.params.name, 'repair', {}) };
      },
    );
    app.post(
      '/service/:name/v1/scale/nodes',
      {
        schema: {
          tags: TAGS,
          summary: 'DC/OS Cassandra: scale the ring to nodeCount nodes; starts the "scale" plan',
          params: DcosServiceParams,
          querystring: DcosScaleQuery,
          response: { 200: DcosScaleAnswer, ...errorResponses },
        },
      },
      async (req) => {
        const f = facts(req.tenant, req.params.name);
        const oldNodeCount = targetCount(f.service);
        const plan = await plans.start(req.tenant, req.params.name, 'scale', {
          nodes: String(req.query.nodeCount),
        });
        const seeds = nodeList(f, Date.now()).nodes.filter((n) => n.seedNode).length;
        return { oldNodeCount, seedNodeCount: seeds, applied: true, newNodeCount: req.query.nodeCount, plan };
      },
    );
  };
