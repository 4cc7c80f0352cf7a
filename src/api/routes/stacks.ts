import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  DeployResultView,
  NameParams,
  PurgeQuery,
  StackView,
  errorResponses,
} from '../../core/api-schemas.js';
import { PlanView } from '../../core/deploy-schemas.js';
import { tenantDataPath } from '../../core/paths.js';
import { ComposeConfigView, StackApplyBody } from '../../core/request-schemas.js';
import type { ApiDeps } from '../deps.js';
import { errorLine, ndjson } from '../ndjson.js';
import type { StackApplyLine } from '../../core/streams.js';

export const stackRoutes =
  ({ control, paths }: ApiDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    // Host paths (bind mounts, env_file, build contexts) stay in the tenant's data folder unless
    // the caller administers the whole machine.
    const composeOptions = <T extends object>(
      req: { tenant: string; principal: { role: string } },
      compose: T,
    ): T & { allowedRoot?: string } =>
      req.principal.role === 'cluster-admin'
        ? compose
        : { ...compose, allowedRoot: tenantDataPath(paths, req.tenant) };
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
          summary:
            'Apply a stack file (idempotent: only what changed is redeployed). With progress=true the answer is ' +
            'newline-delimited JSON: {"type":"progress","image","layer","status","current","total"} lines while ' +
            'its images are pulled, then {"type":"done","result"} (the deploy result) or {"type":"error","error"}',
          params: NameParams,
          querystring: Type.Object({ progress: Type.Optional(Type.Boolean()) }),
          body: StackApplyBody,
          response: {
            200: {
              description: 'The deploy result; with progress=true, the progress lines and then the result',
              content: {
                'application/json': { schema: DeployResultView },
                'application/x-ndjson': {
                  schema: Type.String({ description: 'newline-delimited JSON lines (StackApplyLine)' }),
                },
              },
            },
            ...errorResponses,
          },
        },
      },
      async (req, reply) => {
        const { source, ...compose } = req.body;
        const options = composeOptions(req, compose);
        if (!req.query.progress) return control.applyStack(req.tenant, source, req.params.name, options);
        const { line, end } = ndjson<StackApplyLine>(reply);
        try {
          const result = await control.applyStack(req.tenant, source, req.params.name, options, (e) =>
            line({ type: 'progress', ...e }),
          );
          line({ type: 'done', result });
        } catch (err) {
          line(errorLine(err));
        }
        end();
      },
    );
    app.post(
      '/v1/stacks/:name/plan',
      {
        schema: {
          tags: ['stacks'],
          summary:
            'What applying a stack file would do, as a diff (created, changed and why, restarted, removed, kept), with placements and ports; nothing is started or written',
          params: NameParams,
          body: StackApplyBody,
          response: { 200: PlanView, ...errorResponses },
        },
      },
      async (req) => {
        const { source, ...compose } = req.body;
        return control.planStack(req.tenant, source, req.params.name, composeOptions(req, compose));
      },
    );
    app.post(
      '/v1/stacks/:name/compose-config',
      {
        schema: {
          tags: ['stacks'],
          summary:
            "A Compose file's normalised model, as `docker compose config` prints it (overrides merged, includes and extends resolved, variables interpolated); nothing is stored",
          params: NameParams,
          body: StackApplyBody,
          response: { 200: ComposeConfigView, ...errorResponses },
        },
      },
      async (req) => {
        const { source, ...compose } = req.body;
        return control.composeConfig(source, req.params.name, composeOptions(req, compose));
      },
    );
    app.post(
      '/v1/stacks/:name/replace',
      {
        schema: {
          tags: ['stacks'],
          summary:
            "Replace the stack by the one a file declares (named by the file): the old stack's tasks stop while the new one's start; its data is kept unless purge=true",
          params: NameParams,
          querystring: PurgeQuery,
          body: StackApplyBody,
          response: { 200: DeployResultView, ...errorResponses },
        },
      },
      async (req) => {
        const { source, ...compose } = req.body;
        const purge = req.query.purge === true;
        return control.replaceStack(req.tenant, req.params.name, source, composeOptions(req, compose), purge);
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
