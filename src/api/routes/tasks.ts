import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import path from 'node:path';
import { IdParams, TaskView, errorResponses } from '../../core/api-schemas.js';
import type { ApiDeps } from '../deps.js';
import { sendLog } from '../logs.js';

const LogsQuery = Type.Object({
  stream: Type.Optional(Type.Union([Type.Literal('stdout'), Type.Literal('stderr')])),
  tail: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
  follow: Type.Optional(Type.Boolean()),
});

export const taskRoutes =
  ({ control }: ApiDeps): FastifyPluginAsync =>
  async (app) => {
    const id = (req: { params: unknown }) => (req.params as { id: string }).id;
    app.get(
      '/v1/tasks',
      {
        schema: {
          tags: ['tasks'],
          querystring: Type.Object({
            owner: Type.Optional(Type.String()),
            stack: Type.Optional(Type.String()),
          }),
          response: { 200: Type.Array(TaskView) },
        },
      },
      async (req) => control.listTasks(req.tenant, req.query as { owner?: string; stack?: string }),
    );
    app.get(
      '/v1/tasks/:id',
      { schema: { tags: ['tasks'], params: IdParams, response: { 200: TaskView, ...errorResponses } } },
      async (req) => control.getTask(req.tenant, id(req)),
    );
    app.post(
      '/v1/tasks/:id/kill',
      {
        schema: {
          tags: ['tasks'],
          summary: 'Kill the task (SIGTERM, then SIGKILL after its grace period); it is relaunched',
          params: IdParams,
          response: { 200: TaskView, ...errorResponses },
        },
      },
      async (req) => control.killTask(req.tenant, id(req)),
    );
    app.get(
      '/v1/tasks/:id/logs',
      {
        schema: {
          tags: ['tasks'],
          summary: "A task's stdout or stderr; follow=true streams what is appended",
          params: IdParams,
          querystring: LogsQuery,
          response: { 200: Type.String(), ...errorResponses },
        },
      },
      async (req, reply) => {
        const task = control.getTask(req.tenant, id(req));
        const q = req.query as { stream?: 'stdout' | 'stderr'; tail?: number; follow?: boolean };
        const file = path.join(task.sandbox, 'logs', q.stream ?? 'stdout');
        return sendLog(req, reply, file, q);
      },
    );
  };
