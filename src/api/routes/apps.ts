import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  AppView,
  DeployResultView,
  IdParams,
  NoContent,
  PurgeQuery,
  errorResponses,
} from '../../core/api-schemas.js';
import { AppScaleBody } from '../../core/request-schemas.js';
import { tenantDataPath } from '../../core/paths.js';
import type { ApiDeps } from '../deps.js';

/** A Marathon app definition: checked field by field by the app parser, which names what it rejects. */
const MarathonApp = Type.Record(Type.String(), Type.Unknown(), {
  description: 'A Marathon app definition (JSON)',
});

export const appRoutes =
  ({ control, paths }: ApiDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    // A container app's host paths stay in the tenant's data folder unless the caller administers
    // the whole machine (as a Compose file's).
    const access = (req: { tenant: string; principal: { role: string } }) =>
      req.principal.role === 'cluster-admin' ? {} : { allowedRoot: tenantDataPath(paths, req.tenant) };
    app.get('/v1/apps', { schema: { tags: ['apps'], response: { 200: Type.Array(AppView) } } }, async (req) =>
      control.listApps(req.tenant),
    );
    app.post(
      '/v1/apps',
      {
        schema: {
          tags: ['apps'],
          summary: 'Create an app from a Marathon app definition',
          body: MarathonApp,
          response: { 201: DeployResultView, ...errorResponses },
        },
      },
      async (req, reply) => reply.status(201).send(await control.addApp(req.tenant, req.body, access(req))),
    );
    app.get(
      '/v1/apps/:id',
      { schema: { tags: ['apps'], params: IdParams, response: { 200: AppView, ...errorResponses } } },
      async (req) => control.getApp(req.tenant, req.params.id),
    );
    app.put(
      '/v1/apps/:id',
      {
        schema: {
          tags: ['apps'],
          summary: 'Create or replace an app definition',
          params: IdParams,
          body: MarathonApp,
          response: { 200: DeployResultView, ...errorResponses },
        },
      },
      async (req) => control.putApp(req.tenant, req.params.id, req.body, access(req)),
    );
    app.post(
      '/v1/apps/:id/scale',
      {
        schema: {
          tags: ['apps'],
          params: IdParams,
          body: AppScaleBody,
          response: { 200: DeployResultView, ...errorResponses },
        },
      },
      async (req) => control.scaleApp(req.tenant, req.params.id, req.body.instances),
    );
    app.post(
      '/v1/apps/:id/restart',
      {
        schema: {
          tags: ['apps'],
          summary: 'Rolling restart: instances are replaced one at a time',
          params: IdParams,
          response: { 200: AppView, ...errorResponses },
        },
      },
      async (req) => control.restartApp(req.tenant, req.params.id),
    );
    app.delete(
      '/v1/apps/:id',
      {
        schema: {
          tags: ['apps'],
          params: IdParams,
          querystring: PurgeQuery,
          response: { 204: NoContent, ...errorResponses },
        },
      },
      async (req, reply) => {
        await control.removeApp(req.tenant, req.params.id, req.query.purge === true);
        return reply.status(204).send();
      },
    );
  };
