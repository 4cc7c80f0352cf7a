import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import path from 'node:path';
import { IdParams, TaskView, errorResponses, textResponse } from '../../core/api-schemas.js';
import { TaskListQuery, TaskLogsQuery } from '../../core/request-schemas.js';
import type { ApiDeps } from '../deps.js';
import { sendLog } from '../logs.js';
import { TaskJson } from '../task-json.js';

export const taskRoutes =
  ({ control, store, paths }: ApiDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    const json = new TaskJson(paths);
    app.get(
      '/v1/tasks',
      {
        schema: {
          tags: ['tasks'],
          summary:
            "The tenant's tasks, by owner and index; fields= keeps only those fields of each task, offset and limit give a page",
          querystring: TaskListQuery,
          response: {
            200: Type.Array(Type.Union([TaskView, Type.Partial(TaskView)]), {
              description: 'Each task whole, or with fields= only the fields asked for',
            }),
          },
        },
      },
      async (req, reply) => {
        const { owner, stack, fields, offset = 0, limit } = req.query;
        // No copy more than needed: at 10,000 tasks each is 80 KB of garbage a request.
        let tasks = store.tasks.list(req.tenant);
        if (owner || stack)
          tasks = tasks.filter((t) => (!owner || t.owner === owner) && (!stack || t.stack === stack));
        if (offset > 0 || limit !== undefined)
          tasks = tasks.slice(offset, limit === undefined ? undefined : offset + limit);
        const only = fields ? [...new Set(fields.split(','))] : undefined;
        // Already JSON, as bytes: Fastify sends a buffer as it is, unserialised.
        // Kept per tenant and query: answered again with the same bytes while no task of it changed.
        const key = [req.tenant, owner, stack, offset, limit].join('\0');
        const body = json.array(tasks, only as (keyof TaskView)[], key) as unknown as TaskView[];
        return reply.type('application/json; charset=utf-8').send(body);
      },
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
