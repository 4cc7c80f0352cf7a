import fs from 'node:fs';
import path from 'node:path';
import { mintToken } from '../auth/tokens.js';
import { FlotillaError } from '../core/errors.js';
import { DEFAULT_TENANT } from '../core/service.js';
import type { MintedTokenView, TenantView, TokenView } from '../core/tenant-schemas.js';
import type { Principal, Quota, Role, TenantRecord, TokenRecord } from '../core/tenant.js';
import type { Store } from '../state/store.js';

export interface TenantHooks {
  /** A tenant's weight or quota changed, or a tenant came or went: the scheduler may admit more. */
  changed(): void;
  /** Where the tenant's DNS names are answered. */
  dnsFor(tenant: string): string | null;
  /** The tenant's allocation and weighted dominant share of the pool. */
  allocation(tenant: string): Pick<TenantView, 'allocated' | 'dominantShare'>;
  /** The Unix user the tenant's tasks run as, when tenants are isolated. */
  userOf?(tenant: string): string | undefined;
  /** Throws when this daemon cannot keep one more tenant apart from the others. */
  checkNew?(): void;
  /** A tenant came (its user and folders are made) or went (they go). */
  admitted?(tenant: string): Promise<void>;
  /** The tenant's data folder gets this size (MB), before it is stored; throws when it cannot. */
  dataSize?(tenant: string, sizeMb: number): Promise<void>;
  forgotten?(tenant: string): Promise<void>;
}

/** Tenants, their weights and quotas, and their API tokens. */
export class Tenants {
  constructor(
    private readonly store: Store,
    private readonly hooks: TenantHooks,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * First start: the `default` tenant, and a cluster-admin token in $FLOTILLA_HOME/admin.token
   * (mode 0600) that the CLI of this machine uses without ceremony.
   */
  bootstrap(home: string): void {
    if (!this.store.tenants.get(DEFAULT_TENANT)) {
      this.store.tenants.create({ name: DEFAULT_TENANT, weight: 1, quota: null }, this.now());
    }
    const file = path.join(home, 'admin.token');
    if (this.store.tokens.count() > 0 && fs.existsSync(file)) return;
    const minted = this.mint(DEFAULT_TENANT, 'cluster-admin', 'embedded admin (admin.token)');
    fs.writeFileSync(`${file}.tmp`, `${minted.token}\n`, { mode: 0o600 });
    fs.renameSync(`${file}.tmp`, file);
  }

  list(): TenantView[] {
    return this.store.tenants.list().map((t) => this.view(t));
  }

  get(name: string): TenantView {
    return this.view(this.require(name));
  }

  async create(body: { name: string; weight?: number; quota?: Quota | null }): Promise<TenantView> {
    const conflict = () => {
      if (this.store.tenants.get(body.name))
        throw new FlotillaError('NAME_CONFLICT', `tenant "${body.name}" already exists`);
    };
    conflict();
    this.hooks.checkNew?.();
    // Its user first: a tenant whose user could not be made must not exist (its tasks would run as
    // root). Another request may have made the same tenant meanwhile.
    await this.hooks.admitted?.(body.name);
    conflict();
    if (body.quota?.data !== undefined) await this.resizeData(body.name, body.quota.data);
    this.store.tenants.create(
      { name: body.name, weight: body.weight ?? 1, quota: body.quota ?? null },
      this.now(),
    );
    this.hooks.changed();
    return this.get(body.name);
  }

  /**
   * A patch's quota replaces the quota, but for its `data` (the data folder's size), which stays
   * unless the patch names another: a data folder only grows, and is never dropped by a patch of cpus.
   */
  async update(name: string, patch: { weight?: number; quota?: Quota | null }): Promise<TenantView> {
    const t = this.require(name);
    let quota = patch.quota === undefined ? t.quota : patch.quota;
    const data = patch.quota?.data ?? t.quota?.data;
    if (data !== undefined) quota = { ...quota, data };
    if (data !== undefined && data !== t.quota?.data) await this.resizeData(name, data);
    this.store.tenants.update({ name, weight: patch.weight ?? t.weight, quota }, this.now());
    this.hooks.changed();
    return this.get(name);
  }

  /** The data folder's size (a tenant admin sets its own, as the Spark wizard does). */
  async setDataSize(name: string, sizeMb: number): Promise<TenantView> {
    return this.update(name, { quota: { ...this.require(name).quota, data: sizeMb } });
  }

  private async resizeData(name: string, sizeMb: number): Promise<void> {
    if (!this.hooks.dataSize)
      throw new FlotillaError('DATA_QUOTA_UNAVAILABLE', 'this daemon keeps no data folder sizes');
    await this.hooks.dataSize(name, sizeMb);
  }

  /** Only an empty tenant goes: its services' data must not vanish with a typo. */
  async remove(name: string): Promise<void> {
    this.require(name);
    if (name === DEFAULT_TENANT) {
      throw new FlotillaError('VALIDATION_FAILED', 'the default tenant cannot be removed');
    }
    const held =
      this.store.stacks.list(name).length +
      this.store.services.list(name).length +
      this.store.apps.list(name).length +
      this.store.queue.list(name).length;
    if (held > 0) {
      throw new FlotillaError(
        'TENANT_NOT_EMPTY',
        `tenant "${name}" still has ${held} stack(s), service(s) or app(s)`,
      );
    }
    this.store.atomically(() => {
      this.store.tokens.revokeAll(name, this.now());
      this.store.shares.removeTenant(name);
      this.store.tenants.remove(name);
    });
    this.hooks.changed();
    await this.hooks.forgotten?.(name);
  }

  // --- tokens

  /** A tenant admin mints tokens of its own tenant up to its own role; a cluster admin, any. */
  createToken(caller: Principal, tenant: string, role: Role, name: string): MintedTokenView {
    this.require(tenant);
    if (role === 'cluster-admin' && caller.role !== 'cluster-admin') {
      throw new FlotillaError('PERMISSION_DENIED', 'only a cluster admin may mint cluster-admin tokens');
    }
    const minted = this.mint(tenant, role, name);
    return { ...tokenView(this.store.tokens.lookup(minted.id)!), token: minted.token };
  }

  listTokens(tenant: string): TokenView[] {
    return this.store.tokens.list(tenant).map(tokenView);
  }

  revokeToken(tenant: string, id: string): void {
    const t = this.store.tokens.lookup(id);
    if (!t || t.tenant !== tenant) throw new FlotillaError('TOKEN_NOT_FOUND', `no token "${id}"`);
    this.store.tokens.revoke(id, this.now());
  }

  // ---

  private mint(tenant: string, role: Role, name: string): { id: string; token: string } {
    const minted = mintToken();
    this.store.tokens.create({ id: minted.id, tenant, role, name, hash: minted.hash }, this.now());
    return minted;
  }

  private require(name: string): TenantRecord {
    const t = this.store.tenants.get(name);
    if (!t) throw new FlotillaError('TENANT_NOT_FOUND', `no tenant "${name}"`);
    return t;
  }

  private view(t: TenantRecord): TenantView {
    return {
      name: t.name,
      weight: t.weight,
      quota: t.quota,
      ...this.hooks.allocation(t.name),
      dns: this.hooks.dnsFor(t.name),
      user: this.hooks.userOf?.(t.name) ?? null,
      createdAt: new Date(t.createdAt).toISOString(),
    };
  }
}

function tokenView(t: TokenRecord): TokenView {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    id: t.id,
    tenant: t.tenant,
    role: t.role,
    name: t.name,
    createdAt: iso(t.createdAt)!,
    revokedAt: iso(t.revokedAt),
    lastUsedAt: iso(t.lastUsedAt),
  };
}
