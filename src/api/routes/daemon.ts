import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { HealthView, errorResponses, textResponse } from '../../core/api-schemas.js';
import { ShutdownBody } from '../../core/request-schemas.js';
import type { ApiDeps } from '../deps.js';

export const daemonRoutes =
  (deps: ApiDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/v1/health',
      {
        config: { access: 'public' },
        schema: {
          tags: ['daemon'],
          summary:
            "Whether the daemon answers (no token needed); with a token also its pid, home and the caller's tasks",
          response: { 200: HealthView },
        },
      },
      async (req) => {
        const answer = {
          status: 'ok' as const,
          version: deps.version,
          uptimeSeconds: (Date.now() - deps.startedAt) / 1000,
        };
        // A caller without a token is a member of no tenant: it learns that the daemon answers, no more.
        if (req.principal.tenant === '') return answer;
        return {
          ...answer,
          pid: process.pid,
          home: deps.paths.home,
          tasks: deps.control.listTasks(req.tenant).length,
        };
      },
    );

    app.post(
      '/v1/daemon/shutdown',
      {
        config: { access: 'cluster' },
        schema: {
          tags: ['daemon'],
          summary: 'Stop the daemon; tasks keep running and are adopted by the next daemon unless stopTasks',
          body: ShutdownBody,
          response: { 202: Type.Object({ stopping: Type.Boolean() }), ...errorResponses },
        },
      },
      async (req, reply) => {
        setImmediate(() => deps.shutdown(req.body.stopTasks === true));
        return reply.status(202).send({ stopping: true });
      },
    );

    app.get(
      '/metrics',
      {
        config: { access: 'cluster' },
        schema: {
          tags: ['daemon'],
          summary: 'Prometheus metrics',
          response: { 200: textResponse('The Prometheus text format') },
        },
      },
      async (_req, reply) => {
        reply.header('content-type', deps.metrics.contentType);
        return deps.metrics.metrics();
      },
    );
  };
