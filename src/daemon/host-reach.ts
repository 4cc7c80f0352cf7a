import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { ALIVE_STATES, type TaskRecord } from '../core/task.js';
import { applyInNetns, gatewayOf, netnsAddresses, removeInNetns } from '../faults/container-net.js';
import type { Store } from '../state/store.js';

/** How long task changes settle before the routes are written again (ms). */
const SETTLE_MS = 50;

/** A tenant's process port as one of its containers reaches it: DNATed to `via:viaPort`. */
export interface Route {
  host: string;
  port: number;
  via: string;
  viaPort: number;
}

/**
 * Containers reach their own tenant's process tasks: mixed drivers in one stack (Kafka as host
 * processes, an app in a container), or a Marathon Docker app whose `${cache.url}` names a process
 * service. A process task listens on its virtual node's loopback address (127.0.10.N), which a
 * container's own loopback hides. So, in each container's network namespace, TCP to each of its
 * tenant's process ports is DNATed to a port the daemon listens on at the container's gateway (the
 * host's address on its bridge), and carried from there to the task. The container keeps the address
 * it was given (`${kafka.bootstrap}`, and the advertised listeners Kafka answers with).
 *
 * A gateway port takes connections only from the tenant's own containers; another tenant's container
 * has no rule for those addresses and meets its own loopback. The rules follow task changes; a
 * container on the host's network reaches the loopback as it is and gets none. The ports live with
 * the daemon: while it is down, containers reach no process task, and the next one writes new rules.
 */
export class HostReach {
  /** `gateway>host:port` → the daemon's port there, and who may use it. */
  private readonly bridges = new Map<string, { server: net.Server; port: number; tenant: string }>();
  /** The tenant's container addresses, per tenant, from the last sync: a bridge's allow list. */
  private peers = new Map<string, Set<string>>();
  /** Rules written per container (its id), to write again only what changed. */
  private readonly written = new Map<string, string>();
  private readonly nets = new Map<string, { gateway: string | null; addresses: string[] }>();
  private running: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly chain: string,
    private readonly log: (msg: string) => void,
  ) {}

  /**
   * Tasks changed: a sync SETTLE_MS after the first change of a burst (a stack's tasks start together),
   * so that a deploy of thousands of tasks reads the store a few times, not once per task event.
   */
  changed(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.sync();
    }, SETTLE_MS);
    this.timer.unref();
  }

  /** Writes every container's routes from the store; a sync asked for while one runs follows it. */
  private sync(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.syncOnce()
      .catch((err: unknown) => this.log(`containers reaching process tasks: ${String(err)}`))
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          void this.sync();
        }
      });
    return this.running;
  }

  private async syncOnce(): Promise<void> {
    const alive = this.store.tasks.listAll().filter((t) => ALIVE_STATES.has(t.state) && t.handle);
    const hosts = alive.filter((t) => !t.handle!.containerId && t.ports.length > 0);
    const tenants = new Set(hosts.map((t) => t.tenant));
    // Only the containers of a tenant that has process ports, or that have rules to lose.
    const boxes = alive.filter(
      (t) =>
        t.handle!.containerId &&
        !t.spec.container?.hostNetwork &&
        (tenants.has(t.tenant) || this.written.has(t.handle!.containerId)),
    );
    const peers = new Map<string, Set<string>>();
    for (const t of boxes) {
      const set = peers.get(t.tenant) ?? new Set<string>();
      for (const a of this.netOf(t).addresses) set.add(a);
      peers.set(t.tenant, set);
    }
    this.peers = peers;
    const used = new Set<string>();
    for (const t of boxes) {
      const id = t.handle!.containerId!;
      const { gateway } = this.netOf(t);
      const targets = hosts.filter((h) => h.tenant === t.tenant);
      if (!gateway || targets.length === 0) {
        this.clear(id, t.handle!.pid);
        continue;
      }
      const routes: Route[] = [];
      for (const h of targets)
        for (const port of h.ports) {
          const key = `${gateway}>${h.host}:${port}`;
          used.add(key);
          const viaPort = await this.bridge(key, t.tenant, h.host, port);
          routes.push({ host: h.host, port, via: gateway, viaPort });
        }
      const rules = reachRules(this.chain, routes);
      if (this.written.get(id) === rules) continue;
      applyReach(t.handle!.pid, this.chain, rules);
      this.written.set(id, rules);
    }
    const live = new Set(alive.flatMap((t) => (t.handle!.containerId ? [t.handle!.containerId] : [])));
    for (const id of [...this.written.keys(), ...this.nets.keys()])
      if (!live.has(id)) {
        this.written.delete(id);
        this.nets.delete(id);
      }
    for (const [key, b] of this.bridges)
      if (!used.has(key)) {
        b.server.close();
        this.bridges.delete(key);
      }
  }

  /** A container's gateway and addresses, read once: they do not change while it lives. */
  private netOf(t: TaskRecord): { gateway: string | null; addresses: string[] } {
    const id = t.handle!.containerId!;
    let net = this.nets.get(id);
    if (!net) {
      net = { gateway: gatewayOf(t.handle!.pid), addresses: netnsAddresses(t.handle!.pid) };
      // A container just started may not show its network yet: read again next time.
      if (net.gateway) this.nets.set(id, net);
    }
    return net;
  }

  private clear(id: string, pid: number): void {
    if (!this.written.has(id)) return;
    removeInNetns(pid, this.chain);
    removeInNetns(pid, `${this.chain}S`, ['POSTROUTING']);
    this.written.delete(id);
  }

  /** The daemon's port on `key`'s gateway that carries a tenant's containers to host:port. */
  private async bridge(key: string, tenant: string, host: string, port: number): Promise<number> {
    const known = this.bridges.get(key);
    if (known) return known.port;
    const server = net.createServer((client) => {
      if (!this.peers.get(tenant)?.has(client.remoteAddress ?? '')) return client.destroy();
      const upstream = net.connect({ host, port });
      client.pipe(upstream).pipe(client);
      const end = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    });
    const gateway = key.slice(0, key.indexOf('>'));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, gateway, () => resolve());
    });
    const local = (server.address() as net.AddressInfo).port;
    this.bridges.set(key, { server, port: local, tenant });
    return local;
  }

  /** The daemon stops: its ports close (the containers' rules go with the containers, or the next sync). */
  close(): void {
    clearTimeout(this.timer);
    for (const b of this.bridges.values()) b.server.close();
    this.bridges.clear();
  }
}

/**
 * The nat rules of one container: its TCP to each route's address and port goes to the daemon's port
 * on the gateway, and leaves with the container's own address (a packet from 127.0.0.1 would not).
 */
export function reachRules(chain: string, routes: Route[]): string {
  const lines = ['*nat', `:${chain} - [0:0]`, `:${chain}S - [0:0]`, `-F ${chain}`, `-F ${chain}S`];
  for (const r of routes)
    lines.push(
      `-A ${chain} -d ${r.host}/32 -p tcp --dport ${r.port} -j DNAT --to-destination ${r.via}:${r.viaPort}`,
    );
  lines.push(`-A ${chain}S -s 127.0.0.0/8 ! -o lo -j MASQUERADE`, 'COMMIT', '');
  return lines.join('\n');
}

/** Writes the rules in the container's namespace, hooked into OUTPUT and POSTROUTING, and lets a loopback source leave. */
function applyReach(pid: number, chain: string, rules: string): void {
  applyInNetns(pid, chain, rules, [
    ['OUTPUT', chain],
    ['POSTROUTING', `${chain}S`],
  ]);
  // The kernel drops a packet with a loopback source on any other interface unless told otherwise.
  execFileSync(
    'nsenter',
    ['--target', String(pid), '--net', 'sysctl', '-q', '-w', 'net.ipv4.conf.all.route_localnet=1'],
    {
      stdio: 'pipe',
    },
  );
}
