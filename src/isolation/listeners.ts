import fs from 'node:fs';

/** A socket a tenant's process listens on, found in the kernel's tables rather than in the store. */
export interface Listener {
  uid: number;
  /** An IPv4 loopback address, or 127.0.0.0/8 for a socket bound to every address. */
  host: string;
  port: number;
  protocol: 'tcp' | 'udp';
}

/** /proc/net/tcp's state of a listening socket; a UDP socket that is bound but not connected is "07". */
const LISTENING = { tcp: '0A', udp: '07' } as const;

/**
 * The listening sockets of /proc/net/{tcp,udp} text whose owner is in the tenants' uid range and
 * that another process on the machine could reach over loopback: bound to a 127.x address or to
 * every address. This is how the firewall learns of ports Flotilla never handed out (a JVM's RMI
 * port, a Spark executor's), so that they too are their tenant's alone.
 */
export function parseListeners(text: string, protocol: 'tcp' | 'udp', range: [number, number]): Listener[] {
  const found: Listener[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8 || f[3] !== LISTENING[protocol]) continue;
    const uid = Number(f[7]);
    if (!(uid >= range[0] && uid <= range[1])) continue;
    const [addr, port] = f[1]!.split(':');
    if (!addr || !port || addr.length !== 8) continue;
    // The address is in the kernel's byte order: little-endian on every machine Flotilla runs on.
    const octets = [6, 4, 2, 0].map((i) => parseInt(addr.slice(i, i + 2), 16));
    const host = octets.every((o) => o === 0) ? '127.0.0.0/8' : octets.join('.');
    if (octets[0] !== 127 && host !== '127.0.0.0/8') continue;
    found.push({ uid, host, port: parseInt(port, 16), protocol });
  }
  return found;
}

/** The tenants' listening sockets now, over TCP and UDP (IPv4: loopback addresses are IPv4 here). */
export function scanListeners(range: [number, number]): Listener[] {
  const read = (file: string) => {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch {
      return '';
    }
  };
  return [
    ...parseListeners(read('/proc/net/tcp'), 'tcp', range),
    ...parseListeners(read('/proc/net/udp'), 'udp', range),
  ];
}
