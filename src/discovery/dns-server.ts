import dgram from 'node:dgram';
import net from 'node:net';
import { FlotillaError } from '../core/errors.js';
import { normaliseDomain, type RecordSet } from './records.js';
import { UDP_PLAIN_LIMIT, errorResponse, respond } from './respond.js';
import { RCODE, decodeMessage, type DnsMessage } from './wire.js';

export interface DnsServerOptions {
  host: string;
  /** 0 picks a free port; UDP and TCP always share it. */
  port: number;
  domain?: string;
  /** Called per query, so answers follow the daemon's state at once. */
  records: () => RecordSet;
  /** Seconds; short by default because tasks move between nodes. */
  ttl?: number;
  /** Told when the record source throws; the client gets SERVFAIL either way. */
  onError?: (err: unknown) => void;
}

export interface DnsServerStats {
  queries: number;
  malformed: number;
  failures: number;
  truncated: number;
}

export const DEFAULT_TTL = 5;
const TCP_IDLE_MS = 10_000;
// With port 0 the OS picks a free TCP port that UDP may already hold; a few tries settle it.
const BIND_ATTEMPTS = 5;
/** Answers kept per record set (each a few hundred bytes): past it, the oldest goes. */
const CACHE_ENTRIES = 4096;

export class DnsServer {
  readonly stats: DnsServerStats = { queries: 0, malformed: 0, failures: 0, truncated: 0 };
  private readonly domain: string;
  private readonly ttl: number;
  private udp: dgram.Socket | undefined;
  private tcp: net.Server | undefined;
  private readonly connections = new Set<net.Socket>();
  /**
   * Answers already encoded, by the query's bytes after its id and the transport, for the record
   * set they were made from: a query asked again (a client's resolver, every task of a service
   * asking for its peers) is answered without decoding, building or encoding anything. A new record
   * set (any change of the daemon's state) starts an empty cache.
   */
  private cacheFor: RecordSet | undefined;
  private readonly cache = new Map<string, { message: Buffer; truncated: boolean }>();
  /**
   * Whether new answers go into the cache. Where the queries asked are more than it holds (a client
   * walking every name of a large set), each answer would only push out one about to be asked
   * again: after a window of CACHE_ENTRIES lookups with less than a quarter found, it stops filling
   * (what it holds still answers) until the record set changes.
   */
  private filling = true;
  private lookups = 0;
  private hits = 0;

  constructor(private readonly opts: DnsServerOptions) {
    this.domain = normaliseDomain(opts.domain ?? 'flotilla');
    this.ttl = opts.ttl ?? DEFAULT_TTL;
    if (!Number.isInteger(this.ttl) || this.ttl < 0 || this.ttl > 0x7fffffff) {
      throw new FlotillaError('VALIDATION_FAILED', `invalid DNS ttl ${String(opts.ttl)}`);
    }
    if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
      throw new FlotillaError('VALIDATION_FAILED', `invalid DNS port ${String(opts.port)}`);
    }
  }

  async start(): Promise<{ host: string; port: number }> {
    if (this.udp !== undefined) throw new FlotillaError('INTERNAL', 'DNS server already started');
    for (let attempt = 1; ; attempt++) {
      const tcp = net.createServer((socket) => this.onConnection(socket));
      try {
        await listen(tcp, this.opts.port, this.opts.host);
      } catch (err) {
        throw bindError(err, this.opts.host, this.opts.port);
      }
      const port = (tcp.address() as net.AddressInfo).port;
      const udp = dgram.createSocket(net.isIPv6(this.opts.host) ? 'udp6' : 'udp4');
      try {
        await bind(udp, port, this.opts.host);
      } catch (err) {
        closeQuietly(udp);
        await new Promise<void>((resolve) => tcp.close(() => resolve()));
        if (this.opts.port === 0 && code(err) === 'EADDRINUSE' && attempt < BIND_ATTEMPTS) continue;
        throw bindError(err, this.opts.host, port);
      }
      // Late socket errors (e.g. ICMP unreachable on send) must not become uncaught exceptions.
      udp.on('error', () => this.stats.failures++);
      tcp.on('error', () => this.stats.failures++);
      udp.on('message', (packet, peer) => {
        const reply = this.handle(packet, 'udp');
        if (reply === undefined) return;
        try {
          udp.send(reply, peer.port, peer.address, () => undefined);
        } catch {
          this.stats.failures++; // the socket closed under us while stopping
        }
      });
      this.udp = udp;
      this.tcp = tcp;
      return { host: this.opts.host, port };
    }
  }

  async stop(): Promise<void> {
    const { udp, tcp } = this;
    this.udp = undefined;
    this.tcp = undefined;
    for (const socket of this.connections) socket.destroy();
    this.connections.clear();
    await Promise.all([
      udp === undefined ? undefined : new Promise<void>((resolve) => udp.close(() => resolve())),
      tcp === undefined ? undefined : new Promise<void>((resolve) => tcp.close(() => resolve())),
    ]);
  }

  private onConnection(socket: net.Socket): void {
    this.connections.add(socket);
    socket.on('close', () => this.connections.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setTimeout(TCP_IDLE_MS, () => socket.destroy());
    let pending: Buffer = Buffer.alloc(0);
    // RFC 7766: each message has a 2-byte length prefix and a client may pipeline several.
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 2) {
        const length = pending.readUInt16BE(0);
        if (pending.length < 2 + length) break;
        const reply = this.handle(pending.subarray(2, 2 + length), 'tcp');
        pending = pending.subarray(2 + length);
        if (reply === undefined || socket.destroyed) continue;
        const prefix = Buffer.alloc(2);
        prefix.writeUInt16BE(reply.length, 0);
        socket.write(Buffer.concat([prefix, reply]));
      }
    });
  }

  /** Never throws: a bad packet is counted and dropped, a failing record source gives SERVFAIL. */
  private handle(packet: Buffer, transport: 'udp' | 'tcp'): Buffer | undefined {
    const key =
      packet.length > 12 && packet.length <= UDP_PLAIN_LIMIT ? this.cacheKey(packet, transport) : undefined;
    const hit = key === undefined ? undefined : this.lookup(key);
    if (hit) {
      this.stats.queries++;
      if (hit.truncated) this.stats.truncated++;
      const reply = Buffer.from(hit.message);
      packet.copy(reply, 0, 0, 2);
      return reply;
    }
    let query: DnsMessage;
    try {
      query = decodeMessage(packet);
    } catch {
      this.stats.malformed++;
      return undefined;
    }
    this.stats.queries++;
    try {
      const response = respond(query, this.opts.records, { domain: this.domain, ttl: this.ttl, transport });
      if (response?.truncated) this.stats.truncated++;
      if (response && key !== undefined && this.filling) {
        // The oldest answer goes for the new one: a map keeps its keys in the order they came.
        if (this.cache.size >= CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
        this.cache.set(key, response);
      }
      return response?.message;
    } catch (err) {
      this.stats.failures++;
      this.opts.onError?.(err);
      try {
        return errorResponse(query, RCODE.SERVFAIL);
      } catch {
        return undefined;
      }
    }
  }

  private lookup(key: string): { message: Buffer; truncated: boolean } | undefined {
    const hit = this.cache.get(key);
    this.lookups++;
    if (hit) this.hits++;
    if (this.lookups === CACHE_ENTRIES) {
      this.filling = this.hits * 4 >= this.lookups;
      this.lookups = this.hits = 0;
    }
    return hit;
  }

  /** The cache's key for a query, once its record set is known; none when the records cannot be read. */
  private cacheKey(packet: Buffer, transport: 'udp' | 'tcp'): string | undefined {
    let set: RecordSet;
    try {
      set = this.opts.records();
    } catch {
      return undefined;
    }
    if (set !== this.cacheFor) {
      this.cacheFor = set;
      this.cache.clear();
      this.filling = true;
      this.lookups = this.hits = 0;
    }
    return `${transport}${packet.toString('latin1', 2)}`;
  }
}

function closeQuietly(socket: dgram.Socket): void {
  try {
    socket.close();
  } catch {
    // a socket whose bind failed may already be closed
  }
}

function code(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

function bindError(err: unknown, host: string, port: number): FlotillaError {
  const where = `${host}:${port}`;
  if (code(err) === 'EADDRINUSE') return new FlotillaError('PORT_IN_USE', `DNS port ${where} is in use`);
  if (code(err) === 'EACCES')
    return new FlotillaError('PORT_IN_USE', `no permission to bind DNS on ${where}`);
  return new FlotillaError('INTERNAL', `cannot bind DNS on ${where}: ${String(err)}`, { cause: code(err) });
}

function listen(server: net.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function bind(socket: dgram.Socket, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
}
