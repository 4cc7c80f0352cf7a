import type { PublishedPort } from './container.js';

/**
 * Where each of a task's ports is really held. A port is held on the task's virtual node, unless a
 * container publishes it on an address of its own (Compose's `127.0.0.1:8080:80`, `0.0.0.0:8080:80`):
 * then it is held there, and only there, as Docker binds it. `ports[i]` is published by `publish[i]`.
 */
export function portAddresses(host: string, ports: number[], publish: Pick<PublishedPort, 'hostIp'>[] = []) {
  return ports.map((port, i) => ({ address: publish[i]?.hostIp ?? host, port }));
}

/** Every interface: a port published there clashes with the same port on any address, and back. */
export const isWildcard = (address: string) => address === '0.0.0.0' || address === '::';

export interface PortHolder {
  tenant: string;
  /** The task that holds it ("web.0"), and its owner as its file wrote it (a Compose `web_app`). */
  id: string;
  owner: string;
}

/** Who holds which port where: a fixed port asked for is refused naming the task that holds it. */
export class PortHolders {
  private readonly at = new Map<string, Map<number, PortHolder>>();

  add(address: string, port: number, holder: PortHolder): void {
    const ports = this.at.get(address) ?? new Map<number, PortHolder>();
    ports.set(port, holder);
    this.at.set(address, ports);
  }

  /** Who else holds `port` where `address` would bind it (a wildcard on either side clashes with all). */
  holder(address: string, port: number, self: { tenant: string; id: string }): PortHolder | null {
    const places = isWildcard(address)
      ? [...this.at.keys()]
      : [address, ...[...this.at.keys()].filter(isWildcard)];
    for (const place of places) {
      const h = this.at.get(place)?.get(port);
      if (h && !(h.tenant === self.tenant && h.id === self.id)) return h;
    }
    return null;
  }

  /** The ports held on `address` (and on every interface), for a free port to be picked there. */
  portsAt(address: string): Set<number> {
    const out = new Set<number>();
    for (const [place, ports] of this.at) {
      if (place === address || isWildcard(place) || isWildcard(address))
        for (const p of ports.keys()) out.add(p);
    }
    return out;
  }
}
