import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { UsageQuery, UsageView, errorResponses } from '../../core/api-schemas.js';
import { FlotillaError } from '../../core/errors.js';
import type { ApiDeps } from '../deps.js';

export const usageRoutes =
  ({ control }: ApiDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/v1/usage',
      {
        schema: {
          tags: ['usage'],
          summary:
            'Resource-seconds held (cpu-seconds, GB-seconds of memory and disk) over [from, to), per tenant or per service',
          querystring: UsageQuery,
          response: { 200: UsageView, ...errorResponses },
        },
      },
      // Scoped to the acting tenant; a cluster admin may ask for every tenant with all=true.
      async (req) => {
        const { all, ...query } = req.query;
        if (all && req.principal.role !== 'cluster-admin') {
          throw new FlotillaError('PERMISSION_DENIED', "only a cluster admin may see every tenant's usage");
        }
        return control.usage(all ? 'all' : [req.tenant], query);
      },
    );
  };
