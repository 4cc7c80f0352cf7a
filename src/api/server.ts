import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { DEFAULT_TENANT } from '../core/service.js';
import { FlotillaError, isFlotillaError } from '../core/errors.js';
import type { ApiDeps } from './deps.js';
import { appRoutes } from './routes/apps.js';
import { artifactRoutes } from './routes/artifacts.js';
import { daemonRoutes } from './routes/daemon.js';
import { eventRoutes } from './routes/events.js';
import { packageRoutes } from './routes/packages.js';
import { serviceRoutes } from './routes/services.js';
import { stackRoutes } from './routes/stacks.js';
import { taskRoutes } from './routes/tasks.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's tenant: every query is scoped to it. */
    tenant: string;
  }
}

/** The REST API under /v1: JSON Schema on every body, coded errors, an OpenAPI 3.1 document. */
export async function buildServer(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, allErrors: false } },
    bodyLimit: 4 * 1024 * 1024,
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Flotilla API',
        version: deps.version,
        description:
          'Erect, run, heal, scale and tear down multi-node big-data stacks. Errors: see docs/errors.md.',
      },
    },
  });
  app.decorateRequest('tenant', '');
  app.addHook('onRequest', async (req: FastifyRequest) => {
    req.tenant = DEFAULT_TENANT;
  });
  app.setErrorHandler((err, _req, reply) => {
    if (isFlotillaError(err)) return reply.status(err.status).send(err.toJSON());
    const e = err as { validation?: unknown; statusCode?: number; message: string };
    if (e.validation) {
      return reply.status(400).send(new FlotillaError('VALIDATION_FAILED', e.message).toJSON());
    }
    if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
      return reply.status(e.statusCode).send(new FlotillaError('VALIDATION_FAILED', e.message).toJSON());
    }
    deps.log(`internal error: ${err instanceof Error ? err.stack : String(err)}`);
    return reply.status(500).send(new FlotillaError('INTERNAL', e.message).toJSON());
  });
  app.setNotFoundHandler((req, reply) =>
    reply
      .status(404)
      .send(new FlotillaError('ROUTE_NOT_FOUND', `no route ${req.method} ${req.url}`).toJSON()),
  );

  await app.register(daemonRoutes(deps));
  await app.register(packageRoutes(deps));
  await app.register(stackRoutes(deps));
  await app.register(serviceRoutes(deps));
  await app.register(appRoutes(deps));
  await app.register(taskRoutes(deps));
  await app.register(eventRoutes(deps));
  await app.register(artifactRoutes(deps));
  app.get('/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.ready();
  return app;
}
