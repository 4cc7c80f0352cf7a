import type { UsageQuery, UsageView } from '../core/api-schemas.js';
import type {
  MintedTokenView,
  QueueView,
  ShareView,
  SharesView,
  TenantCreateBody,
  TenantPatchBody,
  TenantView,
  TokenCreateBody,
  TokenView,
  WhoAmIView,
  WhyView,
} from '../core/tenant-schemas.js';
import type { Role } from '../core/tenant.js';
import { enc, query } from './transport.js';
import { WorkloadCalls } from './workloads.js';

/** Who calls and for whom: tenants, tokens, the scheduler's queue, and the resources each tenant held. */
export class TenancyCalls extends WorkloadCalls {
  whoami(): Promise<WhoAmIView> {
    return this.request('GET', '/v1/whoami');
  }
  listTenants(): Promise<TenantView[]> {
    return this.request('GET', '/v1/tenants');
  }
  getTenant(name: string): Promise<TenantView> {
    return this.request('GET', `/v1/tenants/${enc(name)}`);
  }
  createTenant(body: TenantCreateBody): Promise<TenantView> {
    return this.request('POST', '/v1/tenants', body);
  }
  updateTenant(name: string, patch: TenantPatchBody): Promise<TenantView> {
    return this.request('PATCH', `/v1/tenants/${enc(name)}`, patch);
  }
  removeTenant(name: string): Promise<void> {
    return this.request('DELETE', `/v1/tenants/${enc(name)}`);
  }
  listTokens(): Promise<TokenView[]> {
    return this.request('GET', '/v1/tokens');
  }
  createToken(role: Role, name?: string): Promise<MintedTokenView> {
    const body: TokenCreateBody = { role, ...(name ? { name } : {}) };
    return this.request('POST', '/v1/tokens', body);
  }
  revokeToken(id: string): Promise<void> {
    return this.request('DELETE', `/v1/tokens/${enc(id)}`);
  }
  listShares(): Promise<SharesView> {
    return this.request('GET', '/v1/shares');
  }
  shareService(service: string, tenant: string): Promise<ShareView> {
    return this.request('PUT', `/v1/services/${enc(service)}/shares/${enc(tenant)}`);
  }
  unshareService(service: string, tenant: string): Promise<void> {
    return this.request('DELETE', `/v1/services/${enc(service)}/shares/${enc(tenant)}`);
  }
  listWaiting(): Promise<QueueView[]> {
    return this.request('GET', '/v1/queue');
  }
  why(taskId: string): Promise<WhyView> {
    return this.request('GET', `/v1/tasks/${enc(taskId)}/why`);
  }

  /** Resource-seconds held over [from, to) (epoch ms or ISO 8601 with a zone; default: the last day). */
  usage(
    range: { from?: number | string; to?: number | string; by?: UsageQuery['by'] } = {},
  ): Promise<UsageView> {
    return this.request('GET', `/v1/usage${query(range)}`);
  }
}
