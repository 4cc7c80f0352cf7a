import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { NoContent, errorResponses } from '../../core/api-schemas.js';
import { FlotillaError } from '../../core/errors.js';
import {
  MintedTokenView,
  TenantCreateBody,
  TenantPatchBody,
  TenantView,
  TokenCreateBody,
  TokenView,
  WhoAmIView,
} from '../../core/tenant-schemas.js';
import type { ApiDeps } from '../deps.js';

const TenantParams = Type.Object({ tenant: Type.String() });
const TokenParams = Type.Object({ token: Type.String() });

/** Who am I; tenants with their weights and quotas (cluster admins); tokens (tenant admins). */
export const tenantRoutes =
  ({ tenants, auth }: ApiDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/v1/whoami',
      {
        schema: { tags: ['tenants'], summary: 'The caller behind the token', response: { 200: WhoAmIView } },
      },
      async (req) => ({
        tenant: req.principal.tenant,
        role: req.principal.role,
        tokenId: req.principal.tokenId,
        actingFor: req.tenant,
        auth,
      }),
    );
    app.get(
      '/v1/tenants',
      {
        config: { access: 'cluster' },
        schema: { tags: ['tenants'], response: { 200: Type.Array(TenantView), ...errorResponses } },
      },
      async () => tenants.list(),
    );
    app.post(
      '/v1/tenants',
      {
        config: { access: 'cluster' },
        schema: {
          tags: ['tenants'],
          summary: 'Create a tenant (cluster admin)',
          body: TenantCreateBody,
          response: { 201: TenantView, ...errorResponses },
        },
      },
      async (req, reply) => reply.status(201).send(await tenants.create(req.body)),
    );
    app.get(
      '/v1/tenants/:tenant',
      {
        schema: {
          tags: ['tenants'],
          summary: 'A tenant: weight, quota, allocation, DNS (its own members, or a cluster admin)',
          params: TenantParams,
          response: { 200: TenantView, ...errorResponses },
        },
      },
      async (req) => {
        const name = req.params.tenant;
        if (req.principal.role !== 'cluster-admin' && name !== req.principal.tenant) {
          throw new FlotillaError('TENANT_NOT_FOUND', `no tenant "${name}"`);
        }
        return tenants.get(name);
      },
    );
    app.patch(
      '/v1/tenants/:tenant',
      {
        config: { access: 'cluster' },
        schema: {
          tags: ['tenants'],
          summary: "Set a tenant's DRF weight or quota (cluster admin); quota null removes it",
          params: TenantParams,
          body: TenantPatchBody,
          response: { 200: TenantView, ...errorResponses },
        },
      },
      async (req) => tenants.update(req.params.tenant, req.body),
    );
    app.delete(
      '/v1/tenants/:tenant',
      {
        config: { access: 'cluster' },
        schema: {
          tags: ['tenants'],
          summary: 'Remove an empty tenant and revoke its tokens (cluster admin)',
          params: TenantParams,
          response: { 204: NoContent, ...errorResponses },
        },
      },
      async (req, reply) => {
        // Removing the caller's own tenant revokes the token it calls with: it would lock itself out.
        if (req.principal.tokenId !== null && req.params.tenant === req.principal.tenant)
          throw new FlotillaError(
            'PERMISSION_DENIED',
            `tenant "${req.params.tenant}" holds the token of this request: remove it with a cluster admin's token of another tenant`,
          );
        await tenants.remove(req.params.tenant);
        return reply.status(204).send();
      },
    );

    app.get(
      '/v1/tokens',
      {
        config: { access: 'write' },
        schema: {
          tags: ['tenants'],
          summary: "The tenant's tokens (never their secrets)",
          response: { 200: Type.Array(TokenView), ...errorResponses },
        },
      },
      async (req) => tenants.listTokens(req.tenant),
    );
    app.post(
      '/v1/tokens',
      {
        schema: {
          tags: ['tenants'],
          summary: 'Mint a token; its secret is in this response only',
          body: TokenCreateBody,
          response: { 201: MintedTokenView, ...errorResponses },
        },
      },
      async (req, reply) => {
        const { role, name } = req.body;
        return reply.status(201).send(tenants.createToken(req.principal, req.tenant, role, name ?? ''));
      },
    );
    app.delete(
      '/v1/tokens/:token',
      {
        schema: {
          tags: ['tenants'],
          summary: 'Revoke a token at once',
          params: TokenParams,
          response: { 204: NoContent, ...errorResponses },
        },
      },
      async (req, reply) => {
        // A token that revokes itself locks its holder out (the machine's admin.token is made once).
        if (req.params.token === req.principal.tokenId)
          throw new FlotillaError(
            'PERMISSION_DENIED',
            'a token cannot revoke itself: revoke it with another token of the tenant (or a cluster admin)',
          );
        tenants.revokeToken(req.tenant, req.params.token);
        return reply.status(204).send();
      },
    );
  };
