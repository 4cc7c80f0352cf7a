import { FlotillaError } from '../core/errors.js';

/**
 * DC/OS package options files, as users wrote them for `dcos package install <pkg> --options=…`:
 * options nested under the package's name (and sections such as `nodes`, `brokers`, `service`),
 * kebab-case or snake_case keys, a `resources` block. Each well-known key maps to one native option;
 * a key that cannot be honoured is a coded error that names it, never silently dropped.
 */

type Mapping = { option: string; scale?: (v: unknown) => unknown };

/** Keys are DC/OS paths with `_` as `-`, the package's own section left out (`nodes.count`, `cluster-name`). */
const TABLES: Record<string, Record<string, Mapping>> = {
  cassandra: {
    'cluster-name': { option: 'clusterName' },
    'node-count': { option: 'nodes' },
    nodes: { option: 'nodes' },
    'nodes.count': { option: 'nodes' },
    count: { option: 'nodes' },
    'resources.cpus': { option: 'cpus' },
    'nodes.cpus': { option: 'cpus' },
    'resources.mem': { option: 'mem' },
    'nodes.mem': { option: 'mem' },
    'resources.disk': { option: 'disk' },
    'nodes.disk': { option: 'disk' },
    'heap-size': { option: 'heapMb' },
    'nodes.heap.size': { option: 'heapMb' },
    'num-tokens': { option: 'numTokens' },
    datacenter: { option: 'datacenter' },
    'location.data-center': { option: 'datacenter' },
    rack: { option: 'rack' },
  },
  kafka: {
    'broker-count': { option: 'brokers' },
    brokers: { option: 'brokers' },
    'brokers.count': { option: 'brokers' },
    count: { option: 'brokers' },
    'resources.cpus': { option: 'cpus' },
    'brokers.cpus': { option: 'cpus' },
    'resources.mem': { option: 'mem' },
    'brokers.mem': { option: 'mem' },
    'heap-size': { option: 'heapMb' },
    'brokers.heap.size': { option: 'heapMb' },
    'num-partitions': { option: 'partitions' },
    'default-replication-factor': { option: 'replicationFactor' },
    'min-insync-replicas': { option: 'minInsyncReplicas' },
  },
  zookeeper: {
    'node-count': { option: 'servers' },
    servers: { option: 'servers' },
    'node.count': { option: 'servers' },
    count: { option: 'servers' },
    'resources.cpus': { option: 'cpus' },
    'node.cpus': { option: 'cpus' },
    'resources.mem': { option: 'mem' },
    'node.mem': { option: 'mem' },
    'heap-size': { option: 'heapMb' },
    'tick-time': { option: 'tickTime' },
    'init-limit': { option: 'initLimit' },
    'sync-limit': { option: 'syncLimit' },
  },
  spark: {
    'worker-count': { option: 'workers' },
    workers: { option: 'workers' },
    'worker-cores': { option: 'workerCores' },
    'worker-memory': { option: 'workerMemoryMb' },
    'master-cpus': { option: 'masterCpus' },
    'master-mem': { option: 'masterMem' },
    'worker-mem': { option: 'workerMem' },
  },
};

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Whether options are a DC/OS options file for `pkg`: its options under a key of the package's name
 * (no native option of any package is named after its package).
 */
export function isDcosOptions(pkg: string, options: unknown): options is Record<string, unknown> {
  return isObject(options) && isObject(options[pkg]);
}

/**
 * The native options of a DC/OS options file, and one line per mapping (`cassandra.cluster-name →
 * clusterName`). PACKAGE_OPTION_UNSUPPORTED names every key that has no native meaning here.
 */
export function fromDcosOptions(
  pkg: string,
  input: Record<string, unknown>,
): { options: Record<string, unknown>; mappings: string[] } {
  const table = TABLES[pkg] ?? {};
  const options: Record<string, unknown> = {};
  const mappings: string[] = [];
  const refused: string[] = [];
  const visit = (value: unknown, path: string[], shown: string) => {
    if (isObject(value)) {
      for (const [k, v] of Object.entries(value)) visit(v, [...path, k], shown ? `${shown}.${k}` : k);
      return;
    }
    const key = path.map((p) => p.toLowerCase().replace(/_/g, '-')).join('.');
    const m = table[key];
    if (!m) return refused.push(shown);
    const prior = mappings.find((l) => l.endsWith(` → ${m.option}`));
    if (prior && options[m.option] !== value)
      return refused.push(`${shown} (contradicts ${prior.split(' ')[0]})`);
    options[m.option] = m.scale ? m.scale(value) : value;
    mappings.push(`${shown} → ${m.option}`);
  };
  for (const [section, value] of Object.entries(input)) {
    // The package's own section gives its keys bare; `service.name` is the install's own name.
    if (section === pkg) visit(value, [], pkg);
    else if (section === 'service' && isObject(value) && Object.keys(value).every((k) => k === 'name'))
      continue;
    else visit(value, [section], section);
  }
  if (refused.length > 0) {
    const known = Object.keys(table);
    throw new FlotillaError(
      'PACKAGE_OPTION_UNSUPPORTED',
      `the DC/OS options ${refused.map((r) => `"${r}"`).join(', ')} of package ${pkg} cannot be honoured by ` +
        `Flotilla${known.length ? `; the DC/OS keys it maps: ${known.join(', ')}` : ''}`,
      { package: pkg, keys: refused },
    );
  }
  return { options, mappings };
}
