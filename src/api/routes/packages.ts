import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { describePackage, getPackage, listPackages } from '../../catalog/registry.js';
import { NameParams, PackageSummaryView, PackageView, errorResponses } from '../../core/api-schemas.js';
import type { ApiDeps } from '../deps.js';

export const packageRoutes =
  (_deps: ApiDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/v1/packages',
      {
        schema: {
          tags: ['packages'],
          summary: 'The catalog',
          response: { 200: Type.Array(PackageSummaryView) },
        },
      },
      async () =>
        listPackages().map((p) => ({ name: p.name, version: p.version, description: p.description })),
    );
    app.get(
      '/v1/packages/:name',
      {
        schema: {
          tags: ['packages'],
          summary: 'A package, with its options schema',
          params: NameParams,
          response: { 200: PackageView, ...errorResponses },
        },
      },
      async (req) => describePackage(getPackage(req.params.name)),
    );
  };
