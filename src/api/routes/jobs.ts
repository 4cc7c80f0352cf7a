import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { NameParams, errorResponses, textResponse } from '../../core/api-schemas.js';
import {
  JobKillQuery,
  JobListView,
  JobLogsQuery,
  JobParams,
  JobSubmitBody,
  JobView,
} from '../../core/job-schemas.js';
import type { ApiDeps } from '../deps.js';
import { sendLog } from '../logs.js';

/** Jobs of a service (Spark applications): submit, list, show, stream the driver's output, kill. */
export const jobRoutes =
  ({ jobs }: ApiDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/v1/services/:name/jobs',
      {
        schema: {
          tags: ['jobs'],
          summary:
            "Run an application (.py or .jar from the tenant's data folder) on the service: spark-submit against its master",
          params: NameParams,
          body: JobSubmitBody,
          response: { 201: JobView, ...errorResponses },
        },
      },
      async (req, reply) => reply.status(201).send(await jobs.submit(req.tenant, req.params.name, req.body)),
    );
    app.get(
      '/v1/services/:name/jobs',
      {
        schema: {
          tags: ['jobs'],
          summary: "The service's jobs, oldest first, and the tenant's data folder",
          params: NameParams,
          response: { 200: JobListView, ...errorResponses },
        },
      },
      async (req) => jobs.list(req.tenant, req.params.name),
    );
    app.get(
      '/v1/services/:name/jobs/:id',
      {
        schema: {
          tags: ['jobs'],
          params: JobParams,
          response: { 200: JobView, ...errorResponses },
        },
      },
      async (req) => jobs.get(req.tenant, req.params.name, req.params.id),
    );
    app.get(
      '/v1/services/:name/jobs/:id/logs',
      {
        schema: {
          tags: ['jobs'],
          summary: "The driver's output (stdout and stderr); follow=true streams it until the job ends",
          params: JobParams,
          querystring: JobLogsQuery,
          response: { 200: textResponse("The driver's output"), ...errorResponses },
        },
      },
      async (req, reply) => {
        const { name, id } = req.params;
        const file = jobs.logFile(req.tenant, name, id);
        const tenant = req.tenant;
        return sendLog(req, reply, file, req.query, () => !jobs.isRunning(tenant, id));
      },
    );
    app.delete(
      '/v1/services/:name/jobs/:id',
      {
        schema: {
          tags: ['jobs'],
          summary:
            'Kill a running job (SIGTERM to its driver, SIGKILL after grace seconds); answers once it ended',
          params: JobParams,
          querystring: JobKillQuery,
          response: { 200: JobView, ...errorResponses },
        },
      },
      async (req) => {
        const { grace } = req.query;
        return jobs.kill(
          req.tenant,
          req.params.name,
          req.params.id,
          grace === undefined ? undefined : grace * 1000,
        );
      },
    );
  };
