import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import {
  DeployResultView,
  NameParams,
  PurgeQuery,
  StackView,
  errorResponses,
} from '../../core/api-schemas.js';
import type { ApiDeps } from '../deps.js';

const StackBody = Type.Object(
  { source: Type.String({ description: 'The stack file (YAML) as written', maxLength: 1_000_000 }) },
  { additionalProperties: false },
);

export const stackRoutes =
  ({ control }: ApiDeps): FastifyPluginAsync =>
  async (app) => {
    app.get(
      '/v1/stacks',
      { schema: { tags: ['stacks'], summary: 'List stacks', response: { 200: Type.Array(StackView) } } },
      async (req) => control.listStacks(req.tenant),
    );
    app.get(
      '/v1/stacks/:name',
      { schema: { tags: ['stacks'], params: NameParams, response: { 200: StackView, ...errorResponses } } },
      async (req) => control.getStack(req.tenant, (req.params as { name: string }).name),
    );
    app.put(
      '/v1/stacks/:name',
      {
        schema: {
          tags: ['stacks'],
          summary: 'Apply a stack file (idempotent: only what changed is redeployed)',
          params: NameParams,
          body: StackBody,
          response: { 200: DeployResultView, ...errorResponses },
        },
      },
      async (req) =>
        control.applyStack(
          req.tenant,
          (req.body as { source: string }).source,
          (req.params as { name: string }).name,
        ),
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
      async (req) =>
        control.downStack(
          req.tenant,
          (req.params as { name: string }).name,
          (req.query as { purge?: boolean }).purge === true,
        ),
    );
  };
