import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { IdParams, errorResponses } from '../../core/api-schemas.js';
import { QueueView, WhyView } from '../../core/tenant-schemas.js';
import type { ApiDeps } from '../deps.js';

/** The scheduler's queue: what waits, and why a task waits or where it runs. */
export const queueRoutes =
  ({ control }: ApiDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/v1/queue',
      {
        schema: {
          tags: ['scheduling'],
          summary: 'Services and apps waiting for the scheduler, oldest first, with the reason',
          response: { 200: Type.Array(QueueView) },
        },
      },
      async (req) => control.listWaiting(req.tenant),
    );
    app.get(
      '/v1/tasks/:id/why',
      {
        schema: {
          tags: ['scheduling'],
          summary: 'Where a task runs, or, per node, what did not fit (resources, constraints, quota)',
          params: IdParams,
          response: { 200: WhyView, ...errorResponses },
        },
      },
      async (req) => control.whyTask(req.tenant, req.params.id),
    );
  };
