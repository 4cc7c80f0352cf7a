import { DnsServer } from '../src/discovery/dns-server.js';
import { buildRecords, type DiscoveryService } from '../src/discovery/records.js';

/**
 * The daemon's DNS server (`DnsServer`, `respond`, the wire codec) in a Node process of its own,
 * answering for the record set the daemon builds (`buildRecords`) from `tasks` ready tasks: clusters
 * of three brokers, each on its virtual node's address with one port. Prints its port, then serves
 * until stdin closes. `node dist/bench/dns-serve.js <host> <tasks>`
 */
export function services(tasks: number): DiscoveryService[] {
  const out: DiscoveryService[] = [];
  for (let i = 0; i * 3 < tasks; i++) {
    const service: DiscoveryService = { tenant: 'default', name: `events-${i}`, tasks: [] };
    for (let k = 0; k < 3 && i * 3 + k < tasks; k++) {
      service.tasks.push({
        name: `kafka-${k}`,
        role: 'broker',
        host: `127.0.10.${k + 2}`,
        ports: [20000 + ((i * 3 + k) % 40000)],
        ready: true,
      });
    }
    out.push(service);
  }
  return out;
}

async function serve(host: string, tasks: number): Promise<void> {
  const records = buildRecords({ domain: 'flotilla', services: services(tasks) });
  const server = new DnsServer({ host, port: 0, records: () => records });
  const { port } = await server.start();
  process.stdout.write(`${port}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => void server.stop().then(() => process.exit(0)));
}

if (process.argv[1]?.endsWith('dns-serve.js')) {
  await serve(process.argv[2] ?? '127.0.0.1', Number(process.argv[3] ?? 100));
}
