import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { actingTenant, authenticate, authorize, ANONYMOUS_ADMIN, type Access } from '../auth/authenticate.js';
import { errorResponses } from '../core/api-schemas.js';
import { FlotillaError, isFlotillaError } from '../core/errors.js';
import { LIMITS } from '../core/limits.js';
import type { Principal } from '../core/tenant.js';
import type { ApiDeps } from './deps.js';
import { boundedJsonParser, clientErrorHandler, frameworkError } from './http-errors.js';
import { endFollowersOnClose } from './logs.js';
import { canonicalNames } from './written-names.js';
import { appRoutes } from './routes/apps.js';
import { artifactRoutes } from './routes/artifacts.js';
import { cqlRoutes } from './routes/cql.js';
import { kafkaRoutes } from './routes/kafka.js';
import { dcosCassandraRoutes } from './routes/dcos-cassandra.js';
import { daemonRoutes } from './routes/daemon.js';
import { eventRoutes } from './routes/events.js';
import { imageRoutes } from './routes/images.js';
import { dataRoutes } from './routes/data.js';
import { jobRoutes } from './routes/jobs.js';
import { packageRoutes } from './routes/packages.js';
import { serviceRoutes } from './routes/services.js';
import { stackRoutes } from './routes/stacks.js';
import { taskRoutes } from './routes/tasks.js';
import { faultRoutes } from './routes/faults.js';
import { nodeRoutes, planRoutes } from './routes/plans.js';
import { queueRoutes } from './routes/queue.js';
import { shareRoutes } from './routes/shares.js';
import { tenantRoutes } from './routes/tenants.js';
import { usageRoutes } from './routes/usage.js';
import { workloadRoutes } from './routes/workloads.js';
import { consoleRoutes } from './routes/console.js';
import { terminalRoutes } from './routes/terminal.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The tenant the request acts for: every query is scoped to it. */
    tenant: string;
    /** Who called, from the token. */
    principal: Principal;
  }
  interface FastifyContextConfig {
    /** What the route asks of its caller; by default `read` for GET and `write` otherwise. */
    access?: Access;
  }
}

/** Route parameters that name a tenant's service, app, stack or task, and may read "tenant/name". */
const QUALIFIED_PARAMS = ['name', 'id'];

/** A caller of a public route without a token: a member of no tenant. */
const NOBODY: Principal = { tokenId: null, tenant: '', role: 'tenant-viewer' };

/** The REST API under /v1: JSON Schema on every body, coded errors, an OpenAPI 3.1 document. */
export async function buildServer(deps: ApiDeps): Promise<FastifyInstance> {
  // The provider only types handlers from their TypeBox schemas; validation stays Fastify's Ajv
  // with the options below (query strings coerced), so what is accepted does not change.
  const app = Fastify({
    logger: false,
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, allErrors: false } },
    // The validators a response's unions need are compiled by the first answer that reaches them
    // (tens of ms, once per route), not at startup: compiling every route's took 2.2 s of each
    // daemon start, and their code held memory. The tasks list, the hot path, has its own (task-json.ts).
    bodyLimit: LIMITS.bodyBytes,
    // Node's default, stated: the limit docs/errors.md gives for the URL and headers.
    http: { maxHeaderSize: LIMITS.headerBytes },
    // A long name is the route's to refuse (404, coded), not the router's own 414.
    routerOptions: { maxParamLength: LIMITS.headerBytes },
    clientErrorHandler,
  }).withTypeProvider<TypeBoxTypeProvider>();
  boundedJsonParser(app);
  endFollowersOnClose(app);
  // Every route answers every coded error's status with the coded body: the OpenAPI document says so.
  app.addHook('onRoute', (route) => {
    if (!route.schema || (route.schema as { hide?: boolean }).hide) return;
    route.schema.response = { ...errorResponses, ...(route.schema.response as object) };
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
  app.decorateRequest('principal', null as unknown as Principal);
  app.addHook('onRequest', async (req: FastifyRequest) => {
    const access =
      req.routeOptions.config?.access ?? (req.method === 'GET' || req.method === 'HEAD' ? 'read' : 'write');
    const principal = !deps.auth
      ? ANONYMOUS_ADMIN
      : access === 'public' && !req.headers.authorization
        ? NOBODY
        : authenticate(deps.store, req.headers.authorization, Date.now());
    authorize(principal, access);
    req.principal = principal;
    const named = req.headers['flotilla-tenant'];
    req.tenant = actingTenant(deps.store, principal, typeof named === 'string' ? named : undefined);
  });
  // "acme/events" names tenant acme's service events: the caller must be acme's, or a cluster admin.
  // "cassandra_db", as a Compose file wrote it, names the app cassandra-db (written-names.ts).
  app.addHook('preValidation', async (req: FastifyRequest) => {
    const params = req.params as Record<string, string> | undefined;
    for (const key of QUALIFIED_PARAMS) {
      const value = params?.[key];
      const slash = value?.indexOf('/') ?? -1;
      if (!value || slash <= 0) continue;
      req.tenant = actingTenant(deps.store, req.principal, value.slice(0, slash));
      params[key] = value.slice(slash + 1);
    }
    canonicalNames(req.routeOptions.url, params, req.query as Record<string, unknown> | undefined);
  });
  app.setErrorHandler((err, _req, reply) => {
    if (isFlotillaError(err)) return reply.status(err.status).send(err.toJSON());
    const e = err as { validation?: unknown; statusCode?: number; message: string };
    if (e.validation) {
      return reply.status(400).send(new FlotillaError('VALIDATION_FAILED', e.message).toJSON());
    }
    if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
      const coded = frameworkError(err as { code?: string; statusCode?: number; message: string });
      return reply.status(coded.status).send(coded.toJSON());
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
  await app.register(shareRoutes(deps));
  await app.register(appRoutes(deps));
  await app.register(taskRoutes(deps));
  await app.register(faultRoutes(deps));
  await app.register(eventRoutes(deps));
  await app.register(artifactRoutes(deps));
  await app.register(imageRoutes(deps));
  await app.register(tenantRoutes(deps));
  await app.register(queueRoutes(deps));
  await app.register(planRoutes(deps));
  await app.register(nodeRoutes(deps));
  await app.register(cqlRoutes(deps));
  await app.register(kafkaRoutes(deps));
  await app.register(dcosCassandraRoutes(deps));
  await app.register(usageRoutes(deps));
  await app.register(jobRoutes(deps));
  await app.register(dataRoutes(deps));
  await app.register(workloadRoutes(deps));
  await app.register(terminalRoutes(deps));
  await app.register(consoleRoutes());
  app.get('/v1/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () =>
    app.swagger(),
  );
  await app.ready();
  return app;
}
