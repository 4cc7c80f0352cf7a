import type { AppSpec } from '../core/app.js';
import { FlotillaError } from '../core/errors.js';
import { HEALTH_DEFAULTS, type HealthCheckSpec } from '../core/health.js';
import { BACKOFF_DEFAULTS } from '../core/task.js';
import { readAppContainer, type AppAccess } from './app-container.js';
import { Reader, checkName } from './check.js';
import { parseConstraints } from '../scheduler/constraints.js';

/** Marathon fields we honour. */
const SUPPORTED = new Set([
  'id',
  'cmd',
  'args',
  'env',
  'instances',
  'cpus',
  'mem',
  'disk',
  'ports',
  'portDefinitions',
  'requirePorts',
  'healthChecks',
  'backoffSeconds',
  'backoffFactor',
  'maxLaunchDelaySeconds',
  'taskKillGracePeriodSeconds',
  'dependencies',
  'labels',
  'constraints',
]);

/** Status fields Marathon adds when it prints an app: not configuration, so a file exported from Marathon loads. */
const READ_ONLY = new Set([
  'version',
  'versionInfo',
  'tasksStaged',
  'tasksRunning',
  'tasksHealthy',
  'tasksUnhealthy',
  'deployments',
  'tasks',
  'lastTaskFailure',
  'taskStats',
  'readinessCheckResults',
]);

/** A field we do not support is accepted only with a value that asks for nothing (null, "", [], {}, 0, false). */
function asksForNothing(value: unknown): boolean {
  if (value === null || value === '' || value === 0 || value === false) return true;
  if (Array.isArray(value)) return value.length === 0 || value.every((v) => isHostNetwork(v));
  if (typeof value === 'object') return Object.keys(value).length === 0;
  return false;
}

function isHostNetwork(v: unknown): boolean {
  return typeof v === 'object' && v !== null && (v as { mode?: unknown }).mode === 'host';
}

/** Marathon defaults that describe what Flotilla does anyway. */
const HARMLESS_DEFAULTS: Record<string, (v: unknown) => boolean> = {
  killSelection: (v) => v === 'YOUNGEST_FIRST',
  upgradeStrategy: () => true,
  unreachableStrategy: () => true,
  executor: (v) => v === '' || v === '//cmd',
};

/**
 * A Marathon app definition. `access` comes with one sent to the apps API: only then may it run in a
 * container (`container`, whose host paths the caller's access bounds).
 */
export function parseApp(input: unknown, where = 'app', access?: AppAccess): AppSpec {
  const r = new Reader('APP_INVALID', where);
  const raw = r.object(input, '');
  const inContainer = access !== undefined && raw.container !== undefined && raw.container !== null;
  for (const [key, value] of Object.entries(raw)) {
    if (SUPPORTED.has(key) || READ_ONLY.has(key) || asksForNothing(value)) continue;
    if (inContainer && (key === 'container' || key === 'networks')) continue;
    if (HARMLESS_DEFAULTS[key]?.(value)) continue;
    throw new FlotillaError(
      'APP_FIELD_UNSUPPORTED',
      `${where}.${key}: the Marathon field "${key}" is not supported by Flotilla`,
      { field: key },
    );
  }
  if (raw.id === undefined) r.fail('id', 'is required');
  let id = r.string(raw.id, 'id').replace(/^\//, '');
  if (id.includes('/')) {
    throw new FlotillaError(
      'APP_FIELD_UNSUPPORTED',
      `${where}.id: app groups ("${raw.id as string}") are not supported; use a single name such as "${id.split('/').pop()}"`,
      { field: 'id' },
    );
  }
  id = checkName(r, id, 'id');
  const hasCmd = raw.cmd !== undefined && raw.cmd !== null;
  const hasArgs = raw.args !== undefined && raw.args !== null;
  // A container app may give neither: its image's own command runs.
  if ((hasCmd && hasArgs) || (!hasCmd && !hasArgs && !inContainer))
    r.fail('cmd', 'give exactly one of "cmd" (run by /bin/sh -c) and "args" (run without a shell)');
  const boxed = inContainer ? readAppContainer(r, raw, access, networkMode(r, raw.networks)) : undefined;
  const onHost = !boxed || boxed.container.hostNetwork === true;
  if (!onHost && readPorts(r, raw).length > 0)
    r.fail('portDefinitions', "a container app's ports are its container.portMappings (or use network HOST)");
  const ports = onHost ? readPorts(r, raw) : boxed.ports;
  if (boxed && !hasCmd && !hasArgs) boxed.container.imageCommand = true;
  return {
    id,
    ...(hasCmd
      ? { cmd: r.string(raw.cmd, 'cmd') }
      : { args: hasArgs ? r.stringArray(raw.args, 'args') : [] }),
    ...(boxed
      ? {
          driver: 'docker',
          container: boxed.container,
          ...(boxed.servicePorts.some((p) => p > 0) ? { servicePorts: boxed.servicePorts } : {}),
        }
      : {}),
    env: raw.env === undefined ? {} : r.stringMap(raw.env, 'env'),
    instances: raw.instances === undefined ? 1 : r.integer(raw.instances, 'instances', 0, 1000),
    cpus: raw.cpus === undefined ? 1 : r.number(raw.cpus, 'cpus', 0, 1024),
    mem: raw.mem === undefined ? 128 : r.number(raw.mem, 'mem', 0),
    disk: raw.disk === undefined ? 0 : r.number(raw.disk, 'disk', 0),
    ports,
    requirePorts: raw.requirePorts === undefined ? false : r.boolean(raw.requirePorts, 'requirePorts'),
    healthChecks: raw.healthChecks === undefined ? [] : readHealthChecks(r, raw.healthChecks, ports.length),
    backoffSeconds: optNumber(r, raw.backoffSeconds, 'backoffSeconds', BACKOFF_DEFAULTS.backoffSeconds, 0),
    backoffFactor: optNumber(r, raw.backoffFactor, 'backoffFactor', BACKOFF_DEFAULTS.backoffFactor, 1),
    maxLaunchDelaySeconds: optNumber(
      r,
      raw.maxLaunchDelaySeconds,
      'maxLaunchDelaySeconds',
      BACKOFF_DEFAULTS.maxLaunchDelaySeconds,
      0,
    ),
    taskKillGracePeriodSeconds: optNumber(
      r,
      raw.taskKillGracePeriodSeconds,
      'taskKillGracePeriodSeconds',
      3,
      0,
    ),
    dependencies:
      raw.dependencies === undefined
        ? []
        : r.stringArray(raw.dependencies, 'dependencies').map((d) => d.replace(/^\//, '')),
    labels: raw.labels === undefined ? {} : r.stringMap(raw.labels, 'labels'),
    constraints:
      raw.constraints === undefined || raw.constraints === null
        ? []
        : parseConstraints(raw.constraints, `${where}.constraints`),
  };
}

/** Marathon 1.5's `networks`: container/bridge and container (USER) are a bridge; host is the host's. */
function networkMode(r: Reader, value: unknown): 'bridge' | 'host' | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) r.fail('networks', 'must be a list');
  const modes = value.map((n, i) => r.string(r.object(n, `networks[${i}]`).mode, `networks[${i}].mode`));
  if (modes.some((m) => m === 'host')) return 'host';
  for (const [i, m] of modes.entries())
    if (m !== 'container/bridge' && m !== 'container')
      r.fail(`networks[${i}].mode`, 'must be container/bridge, container or host');
  return 'bridge';
}

function optNumber(r: Reader, v: unknown, field: string, dflt: number, min: number): number {
  return v === undefined || v === null ? dflt : r.number(v, field, min);
}

function readPorts(r: Reader, raw: Record<string, unknown>): number[] {
  const hasDefs = Array.isArray(raw.portDefinitions) && raw.portDefinitions.length > 0;
  const hasPorts = Array.isArray(raw.ports) && raw.ports.length > 0;
  if (hasDefs && hasPorts) r.fail('ports', 'give either "ports" or "portDefinitions", not both');
  if (hasDefs) {
    return (raw.portDefinitions as unknown[]).map((d, i) => {
      const def = r.object(d, `portDefinitions[${i}]`);
      if (def.protocol !== undefined && def.protocol !== 'tcp') {
        r.fail(`portDefinitions[${i}].protocol`, 'only "tcp" is supported');
      }
      return r.integer(def.port ?? 0, `portDefinitions[${i}].port`, 0, 65535);
    });
  }
  if (raw.ports === undefined || raw.ports === null) return [];
  if (!Array.isArray(raw.ports)) r.fail('ports', 'must be a list of port numbers (0 = assign a free port)');
  return raw.ports.map((p, i) => r.integer(p, `ports[${i}]`, 0, 65535));
}

const PROTOCOLS: Record<string, HealthCheckSpec['protocol']> = {
  HTTP: 'HTTP',
  MESOS_HTTP: 'HTTP',
  TCP: 'TCP',
  MESOS_TCP: 'TCP',
  COMMAND: 'COMMAND',
};

function readHealthChecks(r: Reader, value: unknown, portCount: number): HealthCheckSpec[] {
  if (!Array.isArray(value)) r.fail('healthChecks', 'must be a list');
  return value.map((v, i) => {
    const f = `healthChecks[${i}]`;
    const hc = r.object(v, f);
    const protocol = PROTOCOLS[r.string(hc.protocol ?? 'HTTP', `${f}.protocol`)];
    if (!protocol) r.fail(`${f}.protocol`, 'must be one of HTTP, TCP, COMMAND (or MESOS_HTTP, MESOS_TCP)');
    const spec: HealthCheckSpec = {
      protocol,
      portIndex: hc.portIndex === undefined ? 0 : r.integer(hc.portIndex, `${f}.portIndex`, 0),
      gracePeriodSeconds: optNumber(
        r,
        hc.gracePeriodSeconds,
        `${f}.gracePeriodSeconds`,
        HEALTH_DEFAULTS.gracePeriodSeconds,
        0,
      ),
      intervalSeconds: optNumber(
        r,
        hc.intervalSeconds,
        `${f}.intervalSeconds`,
        HEALTH_DEFAULTS.intervalSeconds,
        0.1,
      ),
      timeoutSeconds: optNumber(
        r,
        hc.timeoutSeconds,
        `${f}.timeoutSeconds`,
        HEALTH_DEFAULTS.timeoutSeconds,
        0.1,
      ),
      maxConsecutiveFailures:
        hc.maxConsecutiveFailures === undefined
          ? HEALTH_DEFAULTS.maxConsecutiveFailures
          : r.integer(hc.maxConsecutiveFailures, `${f}.maxConsecutiveFailures`, 0),
    };
    if (protocol === 'COMMAND') {
      const command = r.object(hc.command, `${f}.command`);
      spec.command = r.string(command.value, `${f}.command.value`);
    } else if (spec.portIndex >= portCount) {
      r.fail(`${f}.portIndex`, `is ${spec.portIndex} but the app declares ${portCount} port(s)`);
    }
    if (protocol === 'HTTP') spec.path = hc.path === undefined ? '/' : r.string(hc.path, `${f}.path`);
    return spec;
  });
}
