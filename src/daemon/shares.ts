import { FlotillaError } from '../core/errors.js';
import type { ShareView, SharesView } from '../core/tenant-schemas.js';
import type { ShareRecord } from '../state/store-shares.js';
import type { Store } from '../state/store.js';

/**
 * Services a tenant shares with another on purpose (docs/security.md): the other tenant's tasks may
 * then connect to the service's ports, which the firewall otherwise keeps for its own tenant. The
 * owner shares and unshares; the tenant it is shared with sees where to connect.
 */
export class Shares {
  constructor(
    private readonly store: Store,
    /** The rules must follow: called after every change, and in force when it resolves. */
    private readonly changed: () => Promise<void>,
    private readonly now: () => number = Date.now,
  ) {}

  async share(tenant: string, service: string, withTenant: string): Promise<ShareView> {
    this.check(tenant, service, withTenant);
    this.store.shares.add(tenant, service, withTenant, this.now());
    await this.changed();
    return this.view(
      this.store.shares.given(tenant).find((s) => s.service === service && s.with === withTenant)!,
    );
  }

  async unshare(tenant: string, service: string, withTenant: string): Promise<void> {
    if (!this.store.shares.remove(tenant, service, withTenant))
      throw new FlotillaError(
        'SHARE_NOT_FOUND',
        `service "${service}" is not shared with tenant "${withTenant}"`,
      );
    await this.changed();
  }

  list(tenant: string): SharesView {
    return {
      given: this.store.shares.given(tenant).map((s) => this.view(s)),
      received: this.store.shares.received(tenant).map((s) => this.view(s)),
    };
  }

  private check(tenant: string, service: string, withTenant: string): void {
    if (!this.store.services.get(tenant, service))
      throw new FlotillaError('SERVICE_NOT_FOUND', `no service "${service}"`);
    if (withTenant === tenant)
      throw new FlotillaError(
        'VALIDATION_FAILED',
        `a service is always its own tenant's; name another tenant`,
        {
          path: 'tenant',
        },
      );
    if (!this.store.tenants.get(withTenant))
      throw new FlotillaError('TENANT_NOT_FOUND', `no tenant "${withTenant}" to share with`);
  }

  private view(s: ShareRecord): ShareView {
    const addresses = this.store.tasks
      .list(s.tenant)
      .filter((t) => t.ownerKind === 'service' && t.owner === s.service)
      .flatMap((t) => t.ports.map((p) => `${t.host}:${p}`));
    return {
      tenant: s.tenant,
      service: s.service,
      with: s.with,
      createdAt: new Date(s.createdAt).toISOString(),
      addresses,
    };
  }
}
