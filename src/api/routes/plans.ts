import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { NameParams, errorResponses } from '../../core/api-schemas.js';
import {
  HealthReport,
  NodeView,
  PlanListView,
  PlanParams,
  PlanStartBody,
  PlanView,
} from '../../core/plan-schemas.js';
import type { ApiDeps } from '../deps.js';

/** A service's plans: deploy and recovery as they stand, and the package's day-2 operations. */
export const planRoutes =
  ({ plans }: ApiDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/v1/services/:name/plans',
      {
        schema: {
          tags: ['plans'],
          summary: "The service's plans with their phases and steps, and the operations its package offers",
          params: NameParams,
          response: { 200: PlanListView, ...errorResponses },
        },
      },
      async (req) => plans.list(req.tenant, req.params.name),
    );
    app.get(
      '/v1/services/:name/plans/:plan',
      {
        schema: {
          tags: ['plans'],
          summary: 'One plan: status, phases, steps',
          params: PlanParams,
          response: { 200: PlanView, ...errorResponses },
        },
      },
      async (req) => plans.get(req.tenant, req.params.name, req.params.plan),
    );
    app.post(
      '/v1/services/:name/plans/:plan/start',
      {
        schema: {
          tags: ['plans'],
          summary:
            'Start an operation plan with its parameters (e.g. {"parameters": {"node": "cassandra-1"}})',
          params: PlanParams,
          body: PlanStartBody,
          response: { 202: PlanView, ...errorResponses },
        },
      },
      async (req, reply) => {
        const { name, plan } = req.params;
        return reply.status(202).send(await plans.start(req.tenant, name, plan, req.body.parameters ?? {}));
      },
    );
    app.post(
      '/v1/services/:name/plans/:plan/stop',
      {
        schema: {
          tags: ['plans'],
          summary: 'Interrupt a plan after its current step',
          params: PlanParams,
          response: { 200: PlanView, ...errorResponses },
        },
      },
      async (req) => plans.stop(req.tenant, req.params.name, req.params.plan),
    );
    app.post(
      '/v1/services/:name/plans/:plan/continue',
      {
        schema: {
          tags: ['plans'],
          summary: 'Resume a stopped or failed plan at its first step not complete',
          params: PlanParams,
          response: { 202: PlanView, ...errorResponses },
        },
      },
      async (req, reply) =>
        reply.status(202).send(plans.continue(req.tenant, req.params.name, req.params.plan)),
    );
  };

/**
 * The routes of DC/OS's Cassandra service, for the scripts written against them: node list, a
 * health report, and replace / repair / scale, each of which starts the package's plan.
 */
export const nodeRoutes =
  ({ plans, control }: ApiDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/v1/services/:name/nodes',
      {
        schema: {
          tags: ['plans'],
          summary: "The service's nodes (tasks) with their state",
          params: NameParams,
          response: { 200: Type.Array(NodeView), ...errorResponses },
        },
      },
      async (req) =>
        control.getService(req.tenant, req.params.name).tasks.map((t) => ({
          name: t.name,
          role: t.role,
          host: t.host,
          ports: t.ports,
          node: t.node,
          state: t.state,
          ready: t.ready,
        })),
    );
    app.get(
      '/v1/services/:name/health',
      {
        schema: {
          tags: ['plans'],
          summary: 'Cluster health report: nodes ready, and the deploy and recovery plans',
          params: NameParams,
          response: { 200: HealthReport, ...errorResponses },
        },
      },
      async (req) => {
        const svc = control.getService(req.tenant, req.params.name);
        const wanted = svc.tasks.filter((t) => t.desired === 'running');
        const ready = wanted.filter((t) => t.ready).length;
        const deploy = plans.get(req.tenant, svc.name, 'deploy').status;
        const recovery = plans.get(req.tenant, svc.name, 'recovery').status;
        const status: HealthReport['status'] =
          ready === wanted.length ? 'HEALTHY' : ready === 0 ? 'UNHEALTHY' : 'DEGRADED';
        return { status, nodes: wanted.length, ready, deploy, recovery };
      },
    );
    app.post(
      '/v1/services/:name/nodes/:node/replace',
      {
        schema: {
          tags: ['plans'],
          summary: 'Replace a node: a fresh one takes over its tokens (starts the "replace" plan)',
          params: Type.Object({ name: Type.String(), node: Type.String() }),
          response: { 202: PlanView, ...errorResponses },
        },
      },
      async (req, reply) =>
        reply
          .status(202)
          .send(await plans.start(req.tenant, req.params.name, 'replace', { node: req.params.node })),
    );
    app.post(
      '/v1/services/:name/repair',
      {
        schema: {
          tags: ['plans'],
          summary: 'Repair node by node (starts the "repair" plan)',
          params: NameParams,
          response: { 202: PlanView, ...errorResponses },
        },
      },
      async (req, reply) =>
        reply.status(202).send(await plans.start(req.tenant, req.params.name, 'repair', {})),
    );
    app.post(
      '/v1/services/:name/scale',
      {
        schema: {
          tags: ['plans'],
          summary:
            'Scale to nodeCount nodes: new nodes join and stream; removed ones decommission (the "scale" plan)',
          params: NameParams,
          querystring: Type.Object({ nodeCount: Type.Integer({ minimum: 1, maximum: 100 }) }),
          response: { 202: PlanView, ...errorResponses },
        },
      },
      async (req, reply) =>
        reply
          .status(202)
          .send(
            await plans.start(req.tenant, req.params.name, 'scale', { nodes: String(req.query.nodeCount) }),
          ),
    );
  };
