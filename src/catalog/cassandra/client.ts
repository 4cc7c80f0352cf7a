import cassandraDriver from 'cassandra-driver';
import type { ClientOptions } from 'cassandra-driver';
import type { Endpoint } from '../../core/service.js';

type Translator = cassandraDriver.policies.addressResolution.AddressTranslator;
/** The driver checks `instanceof` this class at runtime; its typings declare only the interface. */
const AddressTranslator = (
  cassandraDriver.policies.addressResolution as unknown as { AddressTranslator: new () => Translator }
).AddressTranslator;

/**
 * The DataStax Node.js driver learns the other nodes from system.peers, which has no port column, and
 * dials each at one `protocolOptions.port` (Cassandra 4+ keeps per-node ports in system.peers_v2,
 * which this driver does not read). Each node here has its own free port, so the translator puts the
 * right one back from the endpoint's contact points. Addresses it does not know keep the default.
 */
export class NativePortTranslator extends AddressTranslator {
  private readonly ports = new Map<string, number>();

  constructor(contactPoints: string[]) {
    super();
    for (const point of contactPoints) {
      const at = point.lastIndexOf(':');
      this.ports.set(point.slice(0, at).replace(/^\[|\]$/g, ''), Number(point.slice(at + 1)));
    }
  }

  override translate(address: string, port: number, callback: (endPoint: string) => void): void {
    const mapped = this.ports.get(address) ?? port;
    callback(address.includes(':') ? `[${address}]:${mapped}` : `${address}:${mapped}`);
  }
}

/** Options for `new cassandraDriver.Client(...)` that reach every node of a Flotilla Cassandra service. */
export function clientOptions(endpoint: Endpoint, extra: Partial<ClientOptions> = {}): ClientOptions {
  const contactPoints = (endpoint.values.contactPoints ?? '').split(',').filter(Boolean);
  return {
    contactPoints,
    localDataCenter: endpoint.values.datacenter,
    ...extra,
    policies: { addressResolution: new NativePortTranslator(contactPoints), ...extra.policies },
  };
}
