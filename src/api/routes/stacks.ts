import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  DeployResultView,
  NameParams,
  PurgeQuery,
  StackView,
  errorResponses,
} from '../../core/api-schemas.js';
import { tenantDataPath } from '../../core/paths.js';
import { StackApplyBody } from '../../core/request-schemas.js';
import type { ApiDeps } from '../deps.js';

export const stackRoutes =
  ({ control, paths }: ApiDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/v1/stacks',
      { schema: { tags: ['stacks'], summary: 'List stacks', response: { 200: Type.Array(StackView) } } },
      async (req) => control.listStacks(req.tenant),
    );
    app.get(
      '/v1/stacks/:name',
      { schema: { tags: ['stacks'], params: NameParams, response: { 200: StackView, ...errorResponses } } },
      async (req) => control.getStack(req.tenant, req.params.name),
    );
    app.put(
      '/v1/stacks/:name',
      {
        schema: {
          tags: ['stacks'],
          summary: 'Apply a stack file (idempotent: only what changed is redeployed)',
          params: NameParams,
          body: StackApplyBody,
          response: { 200: DeployResultView, ...errorResponses },
        },
      },
      async (req) => {
        const { source, ...compose } = req.body;
        // Host paths (bind mounts, env_file, build contexts) stay in the tenant's data folder unless
        // the caller administers the whole machine.
        const allowedRoot =
          req.principal.role === 'cluster-admin' ? undefined : tenantDataPath(paths, req.tenant);
        return control.applyStack(req.tenant, source, req.params.name, {
          ...compose,
          ...(allowedRoot ? { allowedRoot } : {}),
        });
      },
    );
    app.delete(
      '/v1/stacks/:name',
      {
        schema: {
          tags: ['stacks'],
          summary: 'Tear a stack down; its data is kept unless purge=true',
          params: NameParams,
          querystring: PurgeQuery,
          response: { 200: DeployResultView, ...errorResponses },
        },
      },
      async (req) => control.downStack(req.tenant, req.params.name, req.query.purge === true),
    );
  };
