import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A port some tenant's task (or its DNS server) listens on, on one address of the machine. */
export interface PortClaim {
  tenant: string;
  host: string;
  port: number;
  protocol: 'tcp' | 'udp';
  /** Tenants the owner shares this port's service with: their tasks may connect too. */
  sharedWith?: string[];
}

/**
 * The rules of one home's chain, as iptables-restore reads them. On the shared loopback, a packet
 * that opens a connection from a tenant's task (its uid in the tenants' range) to a port another
 * tenant's task or DNS server holds is refused; replies, the daemon's own connections and every
 * address Flotilla does not hand out pass untouched. Only NEW connections are looked at.
 */
export function firewallRules(
  chain: string,
  range: [number, number],
  claims: PortClaim[],
  uidOf: (tenant: string) => number | undefined,
): string {
  const lines = [
    '*filter',
    `:${chain} - [0:0]`,
    `-F ${chain}`,
    `-A ${chain} -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN`,
    `-A ${chain} -m owner ! --uid-owner ${range[0]}-${range[1]} -j RETURN`,
  ];
  // One rule per address, protocol and owner for up to 15 ports (multiport): a connection walks a
  // few dozen rules, not one per port, so the rules cost what the owner match costs, not the count.
  const groups = new Map<
    string,
    { host: string; protocol: string; uid: number; shared: number[]; ports: Set<number> }
  >();
  const seen = new Set<string>();
  for (const c of [...claims].sort(byAddress)) {
    const uid = uidOf(c.tenant);
    const key = `${c.protocol} ${c.host}:${c.port}`;
    if (uid === undefined || seen.has(key) || !LOOPBACK.test(c.host)) continue;
    seen.add(key);
    const shared = [...new Set((c.sharedWith ?? []).map(uidOf))]
      .filter((u): u is number => u !== undefined && u !== uid)
      .sort((x, y) => x - y);
    const g = `${c.host} ${c.protocol} ${uid} ${shared.join(',')}`;
    const group = groups.get(g) ?? {
      host: c.host,
      protocol: c.protocol,
      uid,
      shared,
      ports: new Set<number>(),
    };
    group.ports.add(c.port);
    groups.set(g, group);
  }
  for (const { host, protocol, uid, shared, ports } of groups.values()) {
    const reject = protocol === 'tcp' ? 'REJECT --reject-with tcp-reset' : 'REJECT';
    const dest = host.includes('/') ? host : `${host}/32`;
    const list = [...ports];
    for (let i = 0; i < list.length; i += 15) {
      const match = `-A ${chain} -d ${dest} -p ${protocol} -m multiport --dports ${list.slice(i, i + 15).join(',')}`;
      // A tenant the service is shared with passes before the rule that refuses every other.
      for (const other of shared) lines.push(`${match} -m owner --uid-owner ${other} -j RETURN`);
      lines.push(`${match} -m owner ! --uid-owner ${uid} -j ${reject}`);
    }
  }
  lines.push('COMMIT', '');
  return lines.join('\n');
}

/** A loopback address, or the whole loopback network (a socket bound to every address). */
const LOOPBACK = /^127\.\d+\.\d+\.\d+(\/8)?$/;

function byAddress(a: PortClaim, b: PortClaim): number {
  return a.host.localeCompare(b.host) || a.port - b.port || a.protocol.localeCompare(b.protocol);
}

/**
 * One home's rules in the machine's firewall: a chain of its own (`FLT-<home>`), reached from OUTPUT
 * for loopback traffic only, rewritten whole (atomically, by iptables-restore) when what it should
 * say changes, and removed with the home's tasks. Nothing outside that chain and its one jump is
 * ever touched.
 */
export class Firewall {
  private applied = '';
  /** The rules the newest sync asked for: a write that waited its turn writes these. */
  private wanted = '';
  /** Writes, one at a time and in order; never rejects. */
  private writes: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    readonly chain: string,
    private readonly range: [number, number],
  ) {}

  /** Whether this machine has iptables and lets us use it (root, the owner match). */
  static available(): boolean {
    return spawnSync('iptables', ['-w', '-S', 'OUTPUT'], { stdio: 'ignore' }).status === 0;
  }

  /**
   * Brings the chain to what `claims` say, without blocking the daemon (iptables-restore takes tens
   * of milliseconds): resolves once these rules, or newer ones, are in force.
   */
  sync(claims: PortClaim[], uidOf: (tenant: string) => number | undefined): Promise<void> {
    this.wanted = firewallRules(this.chain, this.range, claims, uidOf);
    const write = this.writes.then(() => this.write());
    this.writes = write.catch(() => undefined);
    return write;
  }

  /** Resolves when every sync asked for so far is written (or has failed). */
  settled(): Promise<void> {
    return this.writes;
  }

  private async write(): Promise<void> {
    const rules = this.wanted;
    if (this.closed || rules === this.applied) return;
    const restore = run('iptables-restore', ['-w', '--noflush']);
    restore.child.stdin?.end(rules);
    await restore;
    const jump = ['OUTPUT', '-o', 'lo', '-j', this.chain];
    await run('iptables', ['-w', '-C', ...jump]).catch(() =>
      run('iptables', ['-w', '-I', 'OUTPUT', '1', ...jump.slice(1)]),
    );
    this.applied = rules;
  }

  /** After the writes under way: the jump and the chain go, and nothing writes them again. */
  async close(): Promise<void> {
    this.closed = true;
    await this.writes;
    this.remove();
  }

  /** The jump and the chain go; safe to call when they are gone already. */
  remove(): void {
    this.applied = '';
    const iptables = (...args: string[]) =>
      spawnSync('iptables', ['-w', ...args], { stdio: 'ignore' }).status;
    while (iptables('-D', 'OUTPUT', '-o', 'lo', '-j', this.chain) === 0);
    iptables('-F', this.chain);
    iptables('-X', this.chain);
  }

  /** The rules in force now (for `doctor --security` and tests). */
  listed(): string[] {
    const out = spawnSync('iptables', ['-w', '-S', this.chain], { encoding: 'utf8' });
    return out.status === 0 ? out.stdout.trim().split('\n') : [];
  }
}

/** The chain of one home (its id: five hex digits of its path). */
export function chainOf(homeId: string): string {
  return `FLT-${homeId}`;
}
