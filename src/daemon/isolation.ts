import fs from 'node:fs';
import path from 'node:path';
import { FlotillaError } from '../core/errors.js';
import { tenantDataPath, type Paths } from '../core/paths.js';
import { chainOf, Firewall, type PortClaim } from '../isolation/firewall.js';
import { scanListeners, type Listener } from '../isolation/listeners.js';
import { homeIdOf, Identities, type IsolationMode } from '../isolation/identity.js';
import { ownTenantFolders, secureHome } from '../isolation/permissions.js';
import { SETPRIV } from '../drivers/process/identity.js';
import type { Store } from '../state/store.js';
import type { DoctorCheck } from './doctor.js';
import { HostReach } from './host-reach.js';

/** How often the kernel's socket tables are read for tenants' ports Flotilla did not hand out. */
const LISTENER_SCAN_MS = 1000;

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
  private readonly range: [number, number];
  /** Tenants' listening sockets the kernel shows, and the timer that looks again every second. */
  private listeners: Listener[] = [];
  private listenerScan: NodeJS.Timeout | undefined;
  /** Containers reaching their tenant's process tasks (root only: it writes rules in their namespaces). */
  private readonly reach: HostReach | null;

  constructor(
    setting: IsolationSetting,
    private readonly paths: Paths,
    private readonly store: Store,
    private readonly dnsOf: (tenant: string) => string | null,
    private readonly log: (msg: string) => void,
    opts: { range?: [number, number]; root?: boolean } = {},
  ) {
    const { range, root = process.getuid?.() === 0 } = opts;
    if (setting === 'users' && !root)
      throw new FlotillaError('ISOLATION_UNAVAILABLE', 'FLOTILLA_ISOLATION=users: the daemon is not root');
    const mode: IsolationMode = setting === 'none' || !root ? 'none' : 'users';
    this.identities = new Identities(mode, paths.home, range);
    const firewall = mode === 'users' && Firewall.available();
    this.range = range ?? [200_000, 299_999];
    this.firewall = firewall ? new Firewall(chainOf(homeIdOf(paths.home)), this.range) : null;
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
    this.reach = root ? new HostReach(store, `${chainOf(homeIdOf(paths.home))}-R`, log) : null;
  }

  /** A task started, moved or stopped: containers reach their tenant's process ports as they are now. */
  taskChanged(): void {
    this.reach?.changed();
  }

  /** At start: the home closed, every tenant with its user and folders, the rules in force. */
  async prepare(): Promise<void> {
    if (this.view.mode === 'none') return;
    secureHome(this.paths);
    for (const t of this.store.tenants.list()) await this.admit(t.name);
    await this.sync();
    if (this.firewall) {
      this.listenerScan = setInterval(() => this.rescan(), LISTENER_SCAN_MS);
      this.listenerScan.unref();
    }
  }

  /**
   * Ports a task opens that Flotilla never handed out (a JVM's RMI port, a Spark executor's) are
   * found in the kernel's socket tables and become their tenant's alone too, within a second.
   */
  private rescan(): void {
    const found = scanListeners(this.range);
    const key = (l: Listener[]) => l.map((x) => `${x.uid} ${x.protocol} ${x.host}:${x.port}`).join(',');
    if (key(found) === key(this.listeners)) return;
    this.listeners = found;
    void this.sync();
  }

  /** The daemon stops: no more scans (the rules stay with the tasks that outlive it). */
  close(): void {
    clearInterval(this.listenerScan);
    this.reach?.close();
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

  /** A new tenant's user, and its folders its own. */
  async admit(tenant: string): Promise<void> {
    const user = await this.identities.ensure(tenant);
    if (user) ownTenantFolders(this.paths, tenant, user);
  }

  /** A removed tenant's user, folders and rules go with it. */
  async forget(tenant: string): Promise<void> {
    if (this.view.mode === 'none') return;
    for (const dir of [
      path.join(this.paths.sandboxes, tenant),
      tenantDataPath(this.paths, tenant),
      path.join(this.paths.jobs, tenant),
    ])
      await fs.promises.rm(dir, { recursive: true, force: true });
    await this.identities.remove(tenant);
    await this.sync();
  }

  /**
   * Rewrites the rules from what the store holds now (only when they change), beside the daemon's
   * loop; resolves when they are in force. A failure is logged, never thrown.
   */
  async sync(): Promise<void> {
    this.reach?.changed();
    if (!this.firewall) return;
    await this.firewall
      .sync(this.claims(), (tenant) => this.identities.userOf(tenant)?.uid)
      .catch((err: unknown) =>
        this.log(`isolation: the firewall rules could not be written: ${String(err)}`),
      );
  }

  /** Resolves when the rules every change so far asked for are in force: a task launches after. */
  async settled(): Promise<void> {
    await this.firewall?.settled();
  }

  /** With the home's tasks: its chain and its jump go, after any write under way. */
  async teardown(): Promise<void> {
    this.close();
    await this.firewall?.close();
  }

  /** What `flotilla doctor --security` reports: the mode, each tenant's user, the home's modes, the rules. */
  checks(): DoctorCheck[] {
    const { mode, reason, firewall } = this.view;
    const checks: DoctorCheck[] = [
      mode === 'users'
        ? { name: 'isolation', ok: true, detail: `users: ${reason}` }
        : {
            name: 'isolation',
            ok: true,
            detail: `WARNING: none: ${reason}; tenants' tasks can read each other's files and the daemon's`,
          },
    ];
    if (mode === 'none') return checks;
    checks.push({
      name: 'setpriv',
      ok: fs.existsSync(SETPRIV),
      detail: `${SETPRIV} drops each task to its tenant's user`,
      fix: 'apt-get install -y util-linux',
    });
    for (const t of this.store.tenants.list()) {
      const user = this.identities.userOf(t.name);
      const data = tenantDataPath(this.paths, t.name);
      const st = fs.existsSync(data) ? fs.statSync(data) : null;
      const owned = !!user && !!st && st.uid === user.uid && (st.mode & 0o777) === 0o700;
      checks.push({
        name: `tenant ${t.name}`,
        ok: owned,
        detail: user
          ? `runs as ${user.name} (uid ${user.uid}); ${data} ${owned ? 'is its own, mode 0700' : 'is not its own'}`
          : 'has no user of its own',
        fix: 'restart the daemon: it gives every tenant its user and folders',
      });
    }
    const mode0 = (f: string) => (fs.existsSync(f) ? fs.statSync(f).mode & 0o777 : null);
    const closed = [
      [this.paths.home, 0o711],
      [path.dirname(this.paths.db), 0o700],
      [path.join(this.paths.home, 'admin.token'), 0o600],
    ] as const;
    const open = closed.filter(([f, m]) => mode0(f) !== null && mode0(f) !== m);
    checks.push({
      name: 'home',
      ok: open.length === 0,
      detail:
        open.length === 0
          ? `${this.paths.home} 0711, its database 0700, the admin token 0600`
          : `wrong modes: ${open.map(([f, m]) => `${f} (${mode0(f)?.toString(8)}, want ${m.toString(8)})`).join(', ')}`,
      fix: 'restart the daemon: it sets them',
    });
    const rules = this.firewall?.listed() ?? [];
    checks.push({
      name: 'firewall',
      ok: firewall && rules.length > 0,
      detail: firewall
        ? `${rules.length - 1} rule(s) in chain ${this.firewall?.chain}, reached from OUTPUT on lo`
        : "iptables is not usable: tenants' tasks can reach each other's ports on loopback",
      fix: 'apt-get install -y iptables, and run the daemon as root',
    });
    return checks;
  }

  private claims(): PortClaim[] {
    const claims: PortClaim[] = [];
    const shared = new Map<string, string[]>();
    for (const s of this.store.shares.list())
      shared.set(`${s.tenant}/${s.service}`, [...(shared.get(`${s.tenant}/${s.service}`) ?? []), s.with]);
    for (const t of this.store.tasks.listAll()) {
      const sharedWith = t.ownerKind === 'service' ? shared.get(`${t.tenant}/${t.owner}`) : undefined;
      for (const port of t.ports)
        claims.push({
          tenant: t.tenant,
          host: t.host,
          port,
          protocol: 'tcp',
          ...(sharedWith ? { sharedWith } : {}),
        });
    }
    for (const t of this.store.tenants.list()) {
      const dns = this.dnsOf(t.name);
      const m = dns ? /^(.+):(\d+)$/.exec(dns) : null;
      if (!m) continue;
      for (const protocol of ['udp', 'tcp'] as const)
        claims.push({ tenant: t.name, host: m[1]!, port: Number(m[2]), protocol });
    }
    const tenantOf = new Map(
      this.store.tenants.list().map((t) => [this.identities.userOf(t.name)?.uid, t.name] as const),
    );
    for (const l of this.listeners) {
      const tenant = tenantOf.get(l.uid);
      if (tenant) claims.push({ tenant, host: l.host, port: l.port, protocol: l.protocol });
    }
    return claims;
  }
}
