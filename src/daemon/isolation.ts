import fs from 'node:fs';
import path from 'node:path';
import { FlotillaError } from '../core/errors.js';
import { tenantDataPath, type Paths } from '../core/paths.js';
import { chainOf, Firewall, type PortClaim } from '../isolation/firewall.js';
import { homeIdOf, Identities, type IsolationMode } from '../isolation/identity.js';
import { ownTenantFolders, secureHome } from '../isolation/permissions.js';
import type { Store } from '../state/store.js';

/** FLOTILLA_ISOLATION: 'auto' (users when the daemon is root, else none), 'users', or 'none'. */
export type IsolationSetting = 'auto' | 'users' | 'none';

export interface IsolationView {
  mode: IsolationMode;
  /** Why this mode: what the operator can change. */
  reason: string;
  /** Whether the loopback firewall rules are in force (users mode with iptables). */
  firewall: boolean;
}

/**
 * Keeps tenants apart at the operating-system level (docs/security.md): a Unix user per tenant for
 * its tasks, its folders its own, the home closed to tasks, and firewall rules so that a tenant's
 * tasks reach no port of another tenant's tasks or DNS server on the shared loopback.
 */
export class TenantIsolation {
  readonly identities: Identities;
  readonly view: IsolationView;
  private readonly firewall: Firewall | null;
  private readonly explicitNone: boolean;

  constructor(
    setting: IsolationSetting,
    private readonly paths: Paths,
    private readonly store: Store,
    private readonly dnsOf: (tenant: string) => string | null,
    private readonly log: (msg: string) => void,
    range?: [number, number],
  ) {
    const root = process.getuid?.() === 0;
    if (setting === 'users' && !root)
      throw new FlotillaError('ISOLATION_UNAVAILABLE', 'FLOTILLA_ISOLATION=users: the daemon is not root');
    const mode: IsolationMode = setting === 'none' || !root ? 'none' : 'users';
    this.identities = new Identities(mode, paths.home, range);
    const firewall = mode === 'users' && Firewall.available();
    this.firewall = firewall
      ? new Firewall(chainOf(homeIdOf(paths.home)), range ?? [200_000, 299_999])
      : null;
    if (mode === 'users' && !firewall)
      log('isolation: iptables is not usable here; tenants share the loopback');
    this.view = {
      mode,
      reason:
        setting === 'none'
          ? 'FLOTILLA_ISOLATION=none: every tenant runs as the daemon user'
          : root
            ? 'the daemon runs as root: each tenant runs as its own user'
            : 'the daemon is not root: one user, one tenant (run it as root to isolate tenants)',
      firewall,
    };
    this.explicitNone = setting === 'none';
  }

  /** At start: the home closed, every tenant with its user and folders, the rules in force. */
  prepare(): void {
    if (this.view.mode === 'none') return;
    secureHome(this.paths);
    for (const t of this.store.tenants.list()) this.admit(t.name);
    this.sync();
  }

  /** A second tenant needs isolation, or an operator who said knowingly that they may share a user. */
  checkNewTenant(): void {
    if (this.view.mode === 'none' && !this.explicitNone && this.store.tenants.list().length >= 1)
      throw new FlotillaError(
        'ISOLATION_UNAVAILABLE',
        'a second tenant would run as the same user as the first and could read its data: ' +
          'run the daemon as root to isolate tenants, or set FLOTILLA_ISOLATION=none',
      );
  }

  admit(tenant: string): void {
    const user = this.identities.ensure(tenant);
    if (user) ownTenantFolders(this.paths, tenant, user);
  }

  /** A removed tenant's user, folders and rules go with it. */
  forget(tenant: string): void {
    if (this.view.mode === 'none') return;
    for (const dir of [
      path.join(this.paths.sandboxes, tenant),
      tenantDataPath(this.paths, tenant),
      path.join(this.paths.jobs, tenant),
    ])
      fs.rmSync(dir, { recursive: true, force: true });
    this.identities.remove(tenant);
    this.sync();
  }

  /** Rewrites the rules from what the store holds now (only when they change). */
  sync(): void {
    if (!this.firewall) return;
    try {
      this.firewall.sync(this.claims(), (tenant) => this.identities.userOf(tenant)?.uid);
    } catch (err) {
      this.log(`isolation: the firewall rules could not be written: ${String(err)}`);
    }
  }

  /** With the home's tasks: its chain and its jump go. */
  teardown(): void {
    this.firewall?.remove();
  }

  /** The rules in force, for `doctor --security`. */
  rules(): string[] {
    return this.firewall?.listed() ?? [];
  }

  private claims(): PortClaim[] {
    const claims: PortClaim[] = [];
    for (const t of this.store.tasks.listAll())
      for (const port of t.ports) claims.push({ tenant: t.tenant, host: t.host, port, protocol: 'tcp' });
    for (const t of this.store.tenants.list()) {
      const dns = this.dnsOf(t.name);
      const m = dns ? /^(.+):(\d+)$/.exec(dns) : null;
      if (!m) continue;
      for (const protocol of ['udp', 'tcp'] as const)
        claims.push({ tenant: t.name, host: m[1]!, port: Number(m[2]), protocol });
    }
    return claims;
  }
}
