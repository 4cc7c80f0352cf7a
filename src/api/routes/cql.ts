import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { NameParams, errorResponses } from '../../core/api-schemas.js';
import { CqlRequest, CqlResultView } from '../../core/cql-schemas.js';
import { FlotillaError } from '../../core/errors.js';
import type { ApiDeps } from '../deps.js';

/**
 * CQL on a Cassandra service, run by the daemon with the DataStax driver (the CLI may not load the
 * catalog's driver options, and the daemon knows each node's address and port). Scoped like every
 * route: another tenant's service answers 404.
 */
export const cqlRoutes =
  ({ control }: ApiDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/v1/services/:name/cql',
      {
        schema: {
          tags: ['services'],
          summary: 'Run one CQL statement on a Cassandra service (default consistency QUORUM)',
          params: NameParams,
          body: CqlRequest,
          response: { 200: CqlResultView, ...errorResponses },
        },
      },
      async (req) => {
        const { name } = req.params;
        const body = req.body;
        const svc = control.getService(req.tenant, name);
        const endpoint =
          svc.package === 'cassandra' ? svc.endpoints.find((e) => e.name === 'cassandra') : undefined;
        if (!endpoint) {
          throw new FlotillaError(
            'VALIDATION_FAILED',
            `service ${name} is a ${svc.package} service: CQL runs on a cassandra service`,
          );
        }
        // Loaded on first use: the Cassandra driver adds ~18 MB to a daemon that may never run Cassandra.
        const { runCql } = await import('../../catalog/cassandra/cql.js');
        return runCql(endpoint, body.statement, {
          consistency: body.consistency ?? 'QUORUM',
          maxRows: body.maxRows ?? 1000,
        });
      },
    );
  };
