import { isMapping } from '../core/compose-format.js';
import { bytes, goDuration, ordered, plain, sortGoKeys, stringMap } from './compose-config-values.js';
import { GoFloat, type GoYaml } from './compose-config-yaml.js';
import { longBuild, longDependsOn, longPorts, longVolume, mountRef } from './compose-config-mounts.js';
import { asMapping } from './compose-merge.js';
import { splitWords } from './compose-text.js';

/**
 * One service as `docker compose config` prints it: its keys in the order of compose-go's
 * ServiceConfig, short forms written long (see compose-config-mounts.ts), sizes in bytes, durations
 * as Go prints them, the default network added, and the `x-` keys (interpolated) last.
 */

type Data = Record<string, unknown>;

/** compose-go's ServiceConfig fields in struct order (ServiceConfig, ContainerSpec, WorkloadSpec). */
const ORDER = `profiles deploy develop restart scale attach container_name provider extends external_links
  links net pre_start post_start pre_stop annotations blkio_config cap_add cap_drop cgroup_parent cgroup
  cpu_count cpu_percent cpu_period cpu_quota cpu_rt_period cpu_rt_runtime cpus cpuset cpu_shares command
  configs credential_spec device_cgroup_rules devices dns dns_opt dns_search domainname entrypoint
  environment env_file extra_hosts group_add gpus hostname image init ipc isolation labels label_file
  logging log_driver log_opt mem_limit mem_reservation memswap_limit mem_swappiness mac_address models
  network_mode networks oom_kill_disable oom_score_adj pid pids_limit platform privileged pull_policy
  pull_refresh_after read_only runtime secrets security_opt shm_size stop_grace_period stop_signal
  storage_opt sysctls tmpfs ulimits use_api_socket user userns_mode uts volume_driver volumes
  volumes_from working_dir build depends_on dockerfile expose healthcheck ports stdin_open tty`.split(/\s+/);

const LISTS = new Set(
  `profiles cap_add cap_drop dns dns_opt dns_search tmpfs security_opt links external_links group_add
  device_cgroup_rules volumes_from expose`.split(/\s+/),
);
const MAPS = new Set(['labels', 'sysctls', 'annotations', 'storage_opt']);
const BYTES = new Set(['mem_limit', 'mem_reservation', 'memswap_limit', 'shm_size']);
/** Plain Go bools (not pointers): false is left out. */
const OMIT_FALSE = new Set(['read_only', 'privileged', 'stdin_open', 'tty', 'oom_kill_disable']);
/** Plain Go ints: 0 is left out. */
const OMIT_ZERO = new Set(
  `cpu_count cpu_percent cpu_period cpu_quota cpu_rt_period cpu_rt_runtime cpu_shares mem_swappiness
  oom_score_adj pids_limit`.split(/\s+/),
);
/** String fields a YAML number may have been written in (`user: 1000`). */
const STRINGS = new Set(
  `restart container_name hostname image user working_dir stop_signal platform pid ipc network_mode
  domainname mac_address runtime cgroup cgroup_parent isolation pull_policy userns_mode uts volume_driver
  cpuset`.split(/\s+/),
);
/** env_file is read into `environment` (as Compose prints it); label_file is not read by Flotilla (warned). */
const DROPPED = new Set(['env_file', 'label_file']);

export interface ServiceContext {
  directory: string | undefined;
  /** The service's environment, env files read and bare keys resolved. */
  env: Record<string, string>;
}

export function configService(name: string, raw: Data, ctx: ServiceContext): Record<string, GoYaml> {
  const s: Record<string, GoYaml> = {};
  for (const k of ORDER) {
    if (k === 'environment') {
      const env = environment(raw.environment, ctx.env);
      if (Object.keys(env).length > 0) s[k] = env;
    } else if (k === 'networks' && raw.network_mode === undefined) s[k] = networks(raw.networks);
    else if (k === 'depends_on') {
      const deps = longDependsOn(raw);
      if (Object.keys(deps).length > 0) s[k] = deps;
    } else if (raw[k] !== undefined && raw[k] !== null && !DROPPED.has(k)) {
      const v = field(k, raw[k], ctx);
      if (v !== undefined) s[k] = v;
    }
  }
  for (const k of Object.keys(raw))
    if (!ORDER.includes(k) && !k.startsWith('x-') && !DROPPED.has(k) && raw[k] !== null) s[k] = plain(raw[k]);
  const ext = sortGoKeys(Object.fromEntries(Object.entries(raw).filter(([k]) => k.startsWith('x-'))));
  for (const [k, v] of Object.entries(ext)) s[k] = plain(v);
  return s;
}

function field(k: string, v: unknown, ctx: ServiceContext): GoYaml | undefined {
  if (LISTS.has(k)) return (Array.isArray(v) ? v : [v]).map(String);
  if (MAPS.has(k)) return stringMap(v);
  if (BYTES.has(k)) return bytes(v) === '0' ? undefined : bytes(v);
  if (OMIT_ZERO.has(k) && Number(v) === 0) return undefined;
  if (OMIT_FALSE.has(k) && v === false) return undefined;
  switch (k) {
    case 'command':
    case 'entrypoint':
      return typeof v === 'string' ? splitWords(v, k) : Array.isArray(v) ? v.map(String) : plain(v);
    case 'cpus':
      return new GoFloat(Number(v));
    case 'stop_grace_period':
      return goDuration(v);
    case 'extra_hosts':
      return extraHosts(v);
    case 'ports':
      return Array.isArray(v) ? v.flatMap(longPorts) : plain(v);
    case 'volumes':
      return Array.isArray(v) ? v.map((m) => longVolume(m, ctx.directory)) : plain(v);
    case 'secrets':
    case 'configs':
      return Array.isArray(v) ? v.map((r) => mountRef(r, k === 'secrets')) : plain(v);
    case 'build':
      return longBuild(v, ctx.directory);
    case 'healthcheck':
      return healthcheck(v);
    case 'deploy':
      return deploy(v);
    case 'logging':
      return ordered(v, { options: stringMap }, ['driver', 'options']);
    case 'ulimits':
      return sortGoKeys(
        Object.fromEntries(
          Object.entries(asMapping(v)).map(([n, u]) => [
            n,
            isMapping(u) ? ordered(u, {}, ['soft', 'hard']) : plain(u),
          ]),
        ),
      );
    default:
      return STRINGS.has(k) && typeof v !== 'string' ? String(v) : plain(v);
  }
}

/** The environment as read (env files in), and as null each bare key nothing sets. */
function environment(written: unknown, env: Record<string, string>): Record<string, GoYaml> {
  const out: Record<string, GoYaml> = { ...env };
  for (const [k, v] of Object.entries(asMapping(written))) if (v === null && !(k in out)) out[k] = null;
  return sortGoKeys(out);
}

/** The service's networks as a mapping; none written: the default network. */
function networks(v: unknown): GoYaml {
  const m = Array.isArray(v) ? Object.fromEntries(v.map((n) => [String(n), null])) : asMapping(v);
  if (Object.keys(m).length === 0) return { default: null };
  const order = `aliases driver_opts gw_priority interface_name ipv4_address ipv6_address link_local_ips
    mac_address priority`.split(/\s+/);
  return sortGoKeys(
    Object.fromEntries(Object.entries(m).map(([n, c]) => [n, isMapping(c) ? ordered(c, {}, order) : null])),
  );
}

function healthcheck(v: unknown): GoYaml {
  const h = asMapping(v);
  const test = typeof h.test === 'string' ? ['CMD-SHELL', h.test] : h.test;
  const d = {
    timeout: goDuration,
    interval: goDuration,
    start_period: goDuration,
    start_interval: goDuration,
  };
  return ordered({ ...h, ...(test === undefined ? {} : { test }) }, d, [
    'test',
    'timeout',
    'interval',
    'retries',
    'start_period',
    'start_interval',
    'disable',
  ]);
}

function deploy(v: unknown): GoYaml {
  const resource = (r: unknown) =>
    ordered(r, { cpus: (c) => new GoFloat(Number(c)), memory: bytes }, ['cpus', 'memory', 'pids', 'devices']);
  const update = (u: unknown) =>
    ordered(u, { delay: goDuration, monitor: goDuration }, [
      'parallelism',
      'delay',
      'failure_action',
      'monitor',
      'max_failure_ratio',
      'order',
    ]);
  return ordered(
    v,
    {
      labels: stringMap,
      update_config: update,
      rollback_config: update,
      resources: (r) => ordered(r, { limits: resource, reservations: resource }, ['limits', 'reservations']),
      restart_policy: (p) =>
        ordered(p, { delay: goDuration, window: goDuration }, [
          'condition',
          'delay',
          'max_attempts',
          'window',
        ]),
      placement: (p) => ordered(p, {}, ['constraints', 'preferences', 'max_replicas_per_node']),
    },
    `mode replicas labels update_config rollback_config resources restart_policy placement
      endpoint_mode`.split(/\s+/),
  );
}

/** Compose's extra_hosts: "host=ip" lines, sorted. */
function extraHosts(v: unknown): GoYaml {
  const lines = isMapping(v)
    ? Object.entries(v).flatMap(([h, ips]) =>
        (Array.isArray(ips) ? ips : [ips]).map((ip) => `${h}=${String(ip)}`),
      )
    : (Array.isArray(v) ? v : [v]).map((e) => {
        const text = String(e);
        const sep = text.includes('=') ? text.indexOf('=') : text.indexOf(':');
        return sep < 0 ? text : `${text.slice(0, sep)}=${text.slice(sep + 1)}`;
      });
  return lines.sort();
}
