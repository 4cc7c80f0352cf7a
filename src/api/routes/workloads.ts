import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { NodeUsageView, WorkloadPage, WorkloadQuery } from '../../core/console-schemas.js';
import type { ApiDeps } from '../deps.js';

/** Services and apps as one filtered, sorted, paged list; the nodes with what they offer and hold. */
export const workloadRoutes =
  ({ views }: ApiDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/v1/workloads',
      {
        schema: {
          tags: ['services'],
          summary:
            'Services and apps as one list (name, package, status, tasks running of wanted, ready, cpus, mem), filtered (q, status, kind, health), sorted and paged (offset, limit ≤ 1000)',
          querystring: WorkloadQuery,
          response: { 200: WorkloadPage },
        },
      },
      async (req) => views.workloads(req.tenant, req.query),
    );
    app.get(
      '/v1/nodes',
      {
        schema: {
          tags: ['scheduling'],
          summary:
            "Each node: what it offers, what every tenant's tasks hold of it (summed), and the caller's tasks on it",
          response: { 200: Type.Array(NodeUsageView) },
        },
      },
      async (req) => views.nodes(req.tenant),
    );
  };
