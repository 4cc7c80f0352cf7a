import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { IdParams, errorResponses } from '../../core/api-schemas.js';
import type { FaultRequest } from '../../core/fault.js';
import { FaultRequestBody, FaultView } from '../../core/fault-schemas.js';
import type { ApiDeps } from '../deps.js';

/** The failure lab's faults: a tenant injects them into its own tasks only, and heals them. */
export const faultRoutes =
  ({ faults }: ApiDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/v1/faults',
      {
        schema: {
          tags: ['faults'],
          summary: "The tenant's faults, active and healed",
          response: { 200: Type.Array(FaultView) },
        },
      },
      async (req) => faults.list(req.tenant),
    );
    app.post(
      '/v1/faults',
      {
        schema: {
          tags: ['faults'],
          summary:
            'Inject a fault (kill, pause, partition, isolate, loss, delay, bandwidth, disk, clock) into your own tasks; between whole virtual nodes (fromNodes, toNodes): cluster admins only',
          body: FaultRequestBody,
          response: { 201: FaultView, ...errorResponses },
        },
      },
      async (req, reply) => {
        const admin = req.principal.role === 'cluster-admin';
        return reply.status(201).send(await faults.inject(req.tenant, req.body as FaultRequest, admin));
      },
    );
    app.get(
      '/v1/faults/:id',
      { schema: { tags: ['faults'], params: IdParams, response: { 200: FaultView, ...errorResponses } } },
      async (req) => faults.get(req.tenant, req.params.id),
    );
    app.post(
      '/v1/faults/:id/heal',
      {
        schema: {
          tags: ['faults'],
          summary: 'Heal one fault: rules removed, paused processes resumed',
          params: IdParams,
          response: { 200: FaultView, ...errorResponses },
        },
      },
      async (req) => faults.heal(req.tenant, req.params.id),
    );
    app.post(
      '/v1/faults/heal',
      {
        schema: {
          tags: ['faults'],
          summary: 'Heal every active fault of the tenant',
          response: { 200: Type.Array(FaultView), ...errorResponses },
        },
      },
      async (req) => faults.healAll(req.tenant, 'healed on request'),
    );
  };
