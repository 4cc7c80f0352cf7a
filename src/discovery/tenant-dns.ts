import crypto from 'node:crypto';
import { DEFAULT_TENANT } from '../core/service.js';
import { DnsServer } from './dns-server.js';
import { DOMAIN, type DiscoverySource } from './source.js';

interface Listener {
  server: DnsServer;
  address: string;
}

/**
 * One DNS server per tenant, each answering only its tenant's names: DNS carries no credentials, so
 * the address a query arrives at is what scopes it. The default tenant keeps the configured address
 * (FLOTILLA_DNS_LISTEN); every other tenant gets 127.53.x.y, derived from its name so it stays the
 * same across daemon restarts, on the same port.
 */
export class TenantDns {
  private readonly listeners = new Map<string, Listener>();

  constructor(
    private readonly discovery: DiscoverySource,
    private readonly main: { host: string; port: number },
    private readonly log: (msg: string) => void,
  ) {}

  addressOf(tenant: string): string | null {
    return this.listeners.get(tenant)?.address ?? null;
  }

  /** Starts a server for each tenant that lacks one and stops those of tenants that are gone. */
  async sync(tenants: string[]): Promise<void> {
    const wanted = new Set(tenants);
    for (const [tenant, l] of this.listeners) {
      if (wanted.has(tenant)) continue;
      this.listeners.delete(tenant);
      await l.server.stop();
    }
    const taken = new Set([...this.listeners.values()].map((l) => l.address.split(':')[0]!));
    for (const tenant of tenants) {
      if (this.listeners.has(tenant)) continue;
      const host = tenant === DEFAULT_TENANT ? this.main.host : tenantHost(tenant, taken);
      const server = new DnsServer({
        host,
        port: this.main.port,
        records: () => this.discovery.records(tenant),
      });
      try {
        const bound = await server.start();
        const address = `${bound.host}:${bound.port}`;
        taken.add(bound.host);
        this.listeners.set(tenant, { server, address });
        this.log(`DNS for tenant ${tenant} (*.${tenant}.${DOMAIN}) on ${address} (udp and tcp)`);
      } catch (err) {
        // DNS is a convenience: a taken port costs discovery by DNS (logged), not the whole daemon.
        this.log(`DNS for tenant ${tenant} disabled: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  async stop(): Promise<void> {
    await this.sync([]);
  }
}

function tenantHost(tenant: string, taken: Set<string>): string {
  const digest = crypto.createHash('sha256').update(tenant).digest();
  for (let i = 0; ; i++) {
    const n = (digest.readUInt16BE(0) + i) % 65024;
    // Skip .0 and .255 in the last octet: some resolvers refuse them.
    const host = `127.53.${Math.floor(n / 254)}.${(n % 254) + 1}`;
    if (!taken.has(host)) return host;
  }
}
