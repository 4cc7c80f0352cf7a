import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { NoContent, errorResponses } from '../../core/api-schemas.js';
import { ShareView, SharesView } from '../../core/tenant-schemas.js';
import type { ApiDeps } from '../deps.js';

const ShareParams = Type.Object({ name: Type.String(), tenant: Type.String() });

/** A tenant's services shared with other tenants on purpose, and theirs shared with it. */
export const shareRoutes =
  ({ shares }: ApiDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/v1/shares',
      {
        schema: {
          tags: ['tenants'],
          summary: "The caller's services shared with other tenants, and theirs shared with it",
          response: { 200: SharesView },
        },
      },
      async (req) => shares.list(req.tenant),
    );
    app.put(
      '/v1/services/:name/shares/:tenant',
      {
        schema: {
          tags: ['tenants'],
          summary: "Share a service with another tenant: that tenant's tasks may connect to its ports",
          params: ShareParams,
          response: { 200: ShareView, ...errorResponses },
        },
      },
      async (req) => shares.share(req.tenant, req.params.name, req.params.tenant),
    );
    app.delete(
      '/v1/services/:name/shares/:tenant',
      {
        schema: {
          tags: ['tenants'],
          summary: 'Stop sharing a service with a tenant',
          params: ShareParams,
          response: { 204: NoContent, ...errorResponses },
        },
      },
      async (req, reply) => {
        await shares.unshare(req.tenant, req.params.name, req.params.tenant);
        return reply.status(204).send();
      },
    );
  };
