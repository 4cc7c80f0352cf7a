import net from 'node:net';

/**
 * A transparent delay proxy, for kernels without netem (this one has neither netem nor NFQUEUE).
 * nat REDIRECT sends a chosen pair's TCP to a port of this proxy; there is one listening port per
 * target address and port, so the original destination is known from the port a connection arrives
 * on (Node cannot read SO_ORIGINAL_DST). Each chunk from the client is held for the delay (plus a
 * uniform jitter, never reordering a connection's bytes) before it goes on; replies are not held, so
 * the round trip grows by the delay, as with netem on one direction of a pair.
 *
 * The proxy's own connection to the target comes from the daemon's cgroup, which no rule names: it is
 * never redirected again.
 *
 * Between containers (whose namespaces the daemon's sockets are not in), a port listens on the host's
 * address on the stack's bridge instead (`bind`), the sending containers' TCP to a peer's port is
 * DNATed there, and the proxy's connection to the peer comes from that address. Such a port is
 * reachable from other networks' containers too, so it takes connections only from the addresses
 * `accept` names (the fault's sending containers) and closes any other at once.
 */
const LOOPBACK = '127.0.0.1';
const keyOf = (host: string, port: number, bind: string) => `${bind}>${host}:${port}`;

export class DelayProxy {
  private readonly servers = new Map<string, { server: net.Server; port: number }>();
  private readonly sockets = new Set<net.Socket>();
  /** Request chunk in → first reply chunk out, as the client sees it (ms). */
  private readonly samples: number[] = [];
  private closed = false;

  constructor(
    readonly delayMs: number,
    readonly jitterMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  /** The port on `bind` that carries traffic for host:port, listening from now on. */
  async listen(
    host: string,
    port: number,
    bind = LOOPBACK,
    accept: (address: string) => boolean = () => true,
  ): Promise<number> {
    const key = keyOf(host, port, bind);
    const known = this.servers.get(key);
    if (known) return known.port;
    const server = net.createServer((client) => {
      if (accept(client.remoteAddress ?? '')) this.carry(client, host, port, bind);
      else client.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, bind, () => resolve());
    });
    if (this.closed) {
      // Closed while this one was opening (a node-level delay healed as a task came): not kept.
      server.close();
      throw new Error('the delay proxy is closed');
    }
    const local = (server.address() as net.AddressInfo).port;
    this.servers.set(key, { server, port: local });
    return local;
  }

  portFor(host: string, port: number, bind = LOOPBACK): number | undefined {
    return this.servers.get(keyOf(host, port, bind))?.port;
  }

  /** Round trips seen so far: median and 99th percentile (ms). */
  measured(): { samples: number; p50Ms: number | null; p99Ms: number | null } {
    const s = [...this.samples].sort((a, b) => a - b);
    const at = (q: number) => (s.length === 0 ? null : s[Math.min(s.length - 1, Math.floor(q * s.length))]!);
    return { samples: s.length, p50Ms: at(0.5), p99Ms: at(0.99) };
  }

  /** Stops listening and cuts every connection it carries (clients reconnect, straight to the target). */
  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.sockets) s.destroy();
    await Promise.all(
      [...this.servers.values()].map(({ server }) => new Promise<void>((r) => server.close(() => r()))),
    );
    this.servers.clear();
  }

  private carry(client: net.Socket, host: string, port: number, bind: string): void {
    const upstream = net.connect({ host, port, localAddress: bind });
    this.sockets.add(client);
    this.sockets.add(upstream);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    let releaseAt = 0;
    // When the oldest request chunk not yet answered came in: a reply closes one round trip.
    let waitingSince: number | null = null;
    client.on('data', (chunk) => {
      const now = performance.now();
      waitingSince ??= now;
      const jitter = this.jitterMs > 0 ? (this.random() * 2 - 1) * this.jitterMs : 0;
      // Never before the chunk ahead of it: a connection's bytes keep their order.
      releaseAt = Math.max(releaseAt, now + Math.max(0, this.delayMs + jitter));
      setTimeout(() => upstream.write(chunk), releaseAt - now);
    });
    upstream.on('data', (chunk) => {
      if (waitingSince !== null) {
        this.samples.push(performance.now() - waitingSince);
        if (this.samples.length > 10_000) this.samples.splice(0, 5_000);
        waitingSince = null;
      }
      client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    // The client's half-close waits behind its last held chunk.
    client.on('end', () => setTimeout(() => upstream.end(), Math.max(0, releaseAt - performance.now())));
    upstream.on('end', () => client.end());
    client.on('close', () => setTimeout(end, Math.max(0, releaseAt - performance.now())));
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  }
}
