import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import path from 'node:path';
import { IdParams, TaskView, errorResponses, textResponse } from '../../core/api-schemas.js';
import { TaskListQuery, TaskLogsQuery } from '../../core/request-schemas.js';
import type { ApiDeps } from '../deps.js';
import { sendLog } from '../logs.js';

export const taskRoutes =
  ({ control }: ApiDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/v1/tasks',
      {
        schema: {
          tags: ['tasks'],
          querystring: TaskListQuery,
          response: { 200: Type.Array(TaskView) },
        },
      },
      async (req) => control.listTasks(req.tenant, req.query),
    );
    app.get(
      '/v1/tasks/:id',
      { schema: { tags: ['tasks'], params: IdParams, response: { 200: TaskView, ...errorResponses } } },
      async (req) => control.getTask(req.tenant, req.params.id),
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
      async (req) => control.killTask(req.tenant, req.params.id),
    );
    app.get(
      '/v1/tasks/:id/logs',
      {
        schema: {
          tags: ['tasks'],
          summary: "A task's stdout or stderr; follow=true streams what is appended",
          params: IdParams,
          querystring: TaskLogsQuery,
          response: { 200: textResponse("The log's text"), ...errorResponses },
        },
      },
      async (req, reply) => {
        const task = control.getTask(req.tenant, req.params.id);
        const file = path.join(task.sandbox, 'logs', req.query.stream ?? 'stdout');
        return sendLog(req, reply, file, req.query);
      },
    );
  };
