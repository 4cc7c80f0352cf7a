import { FlotillaError } from '../core/errors.js';

/**
 * Every key of the Compose specification, level by level (compose-spec's schema): what Flotilla does
 * with each. `true`: read and honoured by the readers. A string: accepted and ignored, the string saying
 * what is ignored (one warning line when the value asks for something). A key that is in no table is not
 * Compose (a typo): COMPOSE_KEY_UNKNOWN, with the closest key of its level. docs/compose.md mirrors this.
 */
export type KeyTable = Readonly<Record<string, true | string>>;

/** Collects the warning lines of one file: each names the key path and what is ignored. */
export type Warn = (path: string, what: string) => void;

export const TOP_KEYS: KeyTable = {
  name: true,
  version: 'the obsolete "version" is ignored, as Compose ignores it',
  services: true,
  volumes: true,
  networks: true,
  secrets: true,
  configs: true,
  include: true,
  models: 'AI models are not run by Flotilla',
};

const RESOURCE_TUNING = "Flotilla sets a task's CPU and memory limits from cpus and mem_limit";

export const SERVICE_KEYS: KeyTable = {
  annotations: 'container annotations are not set',
  attach: 'logs are always collected by Flotilla (flotilla task logs)',
  blkio_config: 'block IO limits are not set',
  build: true,
  cap_add: true,
  cap_drop: true,
  cgroup: 'every container has its own cgroup namespace',
  cgroup_parent: 'Flotilla chooses the cgroup parent',
  command: true,
  configs: true,
  container_name: true,
  cpu_count: RESOURCE_TUNING,
  cpu_percent: RESOURCE_TUNING,
  cpu_period: RESOURCE_TUNING,
  cpu_quota: RESOURCE_TUNING,
  cpu_rt_period: RESOURCE_TUNING,
  cpu_rt_runtime: RESOURCE_TUNING,
  cpu_shares: RESOURCE_TUNING,
  cpus: true,
  cpuset: 'containers are not pinned to CPUs',
  credential_spec: 'credential specs are Windows-only',
  depends_on: true,
  deploy: true,
  develop: 'watch mode (compose watch) is not supported',
  device_cgroup_rules: 'host devices are not passed to containers',
  devices: 'host devices are not passed to containers',
  dns: true,
  dns_opt: true,
  dns_search: true,
  domainname: 'the container keeps the default domain name',
  entrypoint: true,
  env_file: true,
  environment: true,
  expose: true,
  extends: true,
  external_links: 'a stack reaches only its own services',
  extra_hosts: true,
  gpus: 'GPUs are not passed to containers',
  group_add: 'supplementary groups are not added',
  healthcheck: true,
  hostname: true,
  image: true,
  init: true,
  ipc: 'every container has its own IPC namespace',
  isolation: 'isolation technologies are Windows-only',
  label_file: 'label files are not read; write the labels under labels:',
  labels: true,
  links: 'services reach each other by service name anyway; link aliases are not added',
  logging: true,
  mac_address: 'the engine assigns MAC addresses',
  mem_limit: true,
  mem_reservation: 'Flotilla reserves mem_limit (or 512 MiB) for the task',
  mem_swappiness: 'containers run without swap',
  memswap_limit: 'containers run without swap',
  models: 'AI models are not run by Flotilla',
  network_mode: "every service joins its stack's one network",
  networks: true,
  oom_kill_disable: 'the OOM killer stays on',
  oom_score_adj: 'the OOM score is not adjusted',
  pid: 'every container has its own process namespace',
  pids_limit: true,
  platform: "the engine's own platform runs",
  ports: true,
  post_start: 'lifecycle hooks are not run',
  pre_stop: 'lifecycle hooks are not run',
  privileged: true,
  profiles: true,
  provider: 'provider services are not run',
  pull_policy: true,
  pull_refresh_after: 'images are not refreshed on a timer',
  read_only: true,
  restart: true,
  runtime: "the engine's default runtime runs",
  scale: true,
  secrets: true,
  security_opt: true,
  shm_size: true,
  stdin_open: 'containers run without stdin',
  stop_grace_period: true,
  stop_signal: true,
  storage_opt: 'storage driver options are not set',
  sysctls: true,
  tmpfs: true,
  tty: 'containers run without a TTY (logs are kept as lines)',
  ulimits: true,
  use_api_socket: "the engine's socket is not mounted into containers",
  user: true,
  userns_mode: 'every container uses the engine default user namespace',
  uts: 'every container has its own UTS namespace',
  volumes: true,
  volumes_from: 'mount the named volume in both services instead',
  working_dir: true,
};

export const BUILD_KEYS: KeyTable = {
  context: true,
  dockerfile: true,
  args: true,
  target: 'the Dockerfile is built to its last stage',
  dockerfile_inline: 'write the Dockerfile into the context',
  ssh: 'no SSH agent is passed to builds',
  cache_from: 'the engine cache is used',
  cache_to: 'the build cache is not exported',
  additional_contexts: 'only the main context is sent',
  entitlements: 'no build entitlements are granted',
  extra_hosts: 'builds resolve names as the engine does',
  isolation: 'isolation technologies are Windows-only',
  labels: 'the image is not labelled',
  network: "builds use the engine's default network",
  no_cache: 'the engine cache is used',
  platforms: "the engine's own platform is built",
  privileged: 'builds run unprivileged',
  pull: 'base images are not refreshed',
  secrets: 'no secrets are passed to builds',
  shm_size: 'builds use the default /dev/shm',
  tags: 'the image is tagged with image: (or <stack>-<service>) only',
  ulimits: 'builds use the default limits',
};

export const DEPLOY_KEYS: KeyTable = {
  mode: true,
  replicas: true,
  resources: true,
  restart_policy: true,
  endpoint_mode: 'replicas share the service name as DNS records',
  labels: 'service labels are the labels: of the service',
  placement: 'Flotilla places tasks itself',
  rollback_config: 'there is no rollback',
  update_config: 'tasks are replaced one at a time',
};

export const RESOURCES_KEYS: KeyTable = { limits: true, reservations: true };
export const LIMITS_KEYS: KeyTable = {
  cpus: true,
  memory: true,
  pids: true,
  devices: 'host devices (GPUs) are not passed to containers',
  generic_resources: 'generic resources are not scheduled',
};
export const RESTART_POLICY_KEYS: KeyTable = {
  condition: true,
  delay: true,
  max_attempts: "the attempts are not counted: Flotilla's backoff spaces them out",
  window: "Flotilla's backoff resets after a minute of running",
};
export const HEALTHCHECK_KEYS: KeyTable = {
  test: true,
  interval: true,
  timeout: true,
  retries: true,
  start_period: true,
  start_interval: true,
  disable: true,
};
export const LOGGING_KEYS: KeyTable = { driver: true, options: true };
export const PORT_KEYS: KeyTable = {
  target: true,
  published: true,
  host_ip: true,
  protocol: true,
  mode: true,
  name: true,
  app_protocol: true,
};
export const MOUNT_KEYS: KeyTable = {
  type: true,
  source: true,
  target: true,
  read_only: true,
  bind: true,
  volume: true,
  tmpfs: true,
  consistency: true,
  image: 'image mounts are not supported',
};
export const SERVICE_NETWORK_KEYS: KeyTable = {
  aliases: true,
  ipv4_address: 'the engine assigns addresses',
  ipv6_address: 'the engine assigns addresses',
  link_local_ips: 'the engine assigns addresses',
  mac_address: 'the engine assigns MAC addresses',
  driver_opts: 'network options are not set',
  priority: "a stack's services share one network",
  gw_priority: "a stack's services share one network",
  interface_name: 'the engine names interfaces',
};
export const VOLUME_KEYS: KeyTable = {
  driver: true,
  driver_opts: 'volumes are local, without options',
  external: true,
  labels: true,
  name: 'volumes are named per tenant and stack',
};
export const NETWORK_KEYS: KeyTable = {
  driver: true,
  driver_opts: 'network options are not set',
  attachable: true,
  enable_ipv4: 'the stack network has IPv4',
  enable_ipv6: 'the stack network has IPv4 only',
  external: true,
  ipam: 'the engine assigns the subnet',
  internal: 'the stack network is a plain bridge',
  labels: true,
  name: 'the stack network is named per tenant and stack',
};
export const SECRET_KEYS: KeyTable = {
  file: true,
  environment: true,
  content: true,
  external: true,
  name: true,
  labels: true,
  driver: 'secret drivers are not supported; use file:',
  driver_opts: 'secret drivers are not supported; use file:',
  template_driver: 'templates are not rendered',
};
export const SERVICE_SECRET_KEYS: KeyTable = { source: true, target: true, uid: true, gid: true, mode: true };

/** What to do when a value asks for nothing: no warning for `tty: false` or `links: []`. */
function asksForNothing(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.keys(value).length === 0;
  return false;
}

/**
 * Checks a mapping's keys against its level's table: an unknown key (not `x-*`) is a coded error
 * naming the closest key; an ignored key is one warning line.
 */
export function checkKeys(body: Record<string, unknown>, at: string, table: KeyTable, warn: Warn): void {
  for (const [key, value] of Object.entries(body)) {
    const path = at ? `${at}.${key}` : key;
    if (key.startsWith('x-')) continue;
    const entry = table[key];
    if (entry === undefined) {
      const near = closest(key, Object.keys(table));
      throw new FlotillaError(
        'COMPOSE_KEY_UNKNOWN',
        `${path}: "${key}" is not a Compose key${near ? `; did you mean "${near}"?` : ''}`,
        { path, ...(near ? { suggestion: near } : {}) },
      );
    }
    if (entry !== true && !asksForNothing(value)) warn(path, entry);
  }
}

/** The key at the smallest edit distance, when it is close enough to be a typo (at most a third of it). */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.ceil(word.length / 3)) ? best : undefined;
}

/** Damerau–Levenshtein (optimal string alignment): a swapped pair of letters counts once. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}
