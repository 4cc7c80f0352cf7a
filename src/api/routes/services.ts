import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  DeployResultView,
  EndpointView,
  NameParams,
  NoContent,
  PurgeQuery,
  ServiceView,
  errorResponses,
} from '../../core/api-schemas.js';
import { ServiceInstallBody } from '../../core/request-schemas.js';
import type { ApiDeps } from '../deps.js';

export const serviceRoutes =
  ({ control }: ApiDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/v1/services',
      { schema: { tags: ['services'], response: { 200: Type.Array(ServiceView) } } },
      async (req) => control.listServices(req.tenant),
    );
    app.post(
      '/v1/services',
      {
        schema: {
          tags: ['services'],
          summary: 'Install a package as a service',
          body: ServiceInstallBody,
          response: { 201: DeployResultView, ...errorResponses },
        },
      },
      async (req, reply) => {
        const b = req.body;
        const result = await control.installService(req.tenant, {
          name: b.name,
          package: b.package,
          ...(b.version ? { version: b.version } : {}),
          options: b.options ?? {},
          dependsOn: b.dependsOn ?? [],
        });
        return reply.status(201).send(result);
      },
    );
    app.get(
      '/v1/services/:name',
      {
        schema: { tags: ['services'], params: NameParams, response: { 200: ServiceView, ...errorResponses } },
      },
      async (req) => control.getService(req.tenant, req.params.name),
    );
    app.get(
      '/v1/services/:name/endpoints',
      {
        schema: {
          tags: ['services'],
          summary: 'How clients reach the service: addresses and connection strings',
          params: NameParams,
          response: { 200: Type.Array(EndpointView), ...errorResponses },
        },
      },
      async (req) => control.getService(req.tenant, req.params.name, true).endpoints,
    );
    app.delete(
      '/v1/services/:name',
      {
        schema: {
          tags: ['services'],
          summary: 'Uninstall; data is kept unless purge=true',
          params: NameParams,
          querystring: PurgeQuery,
          response: { 204: NoContent, ...errorResponses },
        },
      },
      async (req, reply) => {
        await control.removeService(req.tenant, req.params.name, req.query.purge === true);
        return reply.status(204).send();
      },
    );
  };
