import type { HealthCheckSpec } from '../core/health.js';
import type { DependencyCondition, RestartPolicy } from '../core/task.js';
import {
  DEPLOY_KEYS,
  HEALTHCHECK_KEYS,
  LIMITS_KEYS,
  RESOURCES_KEYS,
  RESTART_POLICY_KEYS,
  checkKeys,
  type Warn,
} from './compose-keys.js';
import { bool, int, invalid, num, object, optObject, str, strings } from './compose-read.js';
import { shellQuote } from '../core/shell.js';
import { parseDuration, parseMemory } from './compose-text.js';

/** How a Compose service lives: restart policy, deploy settings, dependencies and its health check. */

export interface Dependency {
  name: string;
  condition: DependencyCondition;
  /** `required: false`: dropped when the service is not part of the stack (its profile is off). */
  required: boolean;
}

const RESTART: Record<string, RestartPolicy> = {
  no: 'no',
  always: 'always',
  'unless-stopped': 'always',
  'on-failure': 'on-failure',
};

/** `on-failure:N` keeps its policy; the attempt limit is Flotilla's backoff, not N. */
export function readRestart(value: unknown, at: string): RestartPolicy {
  if (value === false) return 'no';
  const text = str(value, at);
  const policy = RESTART[/^on-failure:\d+$/.test(text) ? 'on-failure' : text];
  if (!policy)
    invalid(at, `"${text}" is not a restart policy: use no, always, unless-stopped or on-failure[:N]`);
  return policy;
}

interface Deploy {
  replicas?: number;
  cpus?: number;
  mem?: number;
  restart?: RestartPolicy;
  delay?: number;
  pids?: number;
}

const MODES = ['replicated', 'global', 'replicated-job', 'global-job'];

export function readDeploy(value: unknown, at: string, warn: Warn): Deploy {
  const body = optObject(value, at);
  checkKeys(body, at, DEPLOY_KEYS, warn);
  const out: Deploy = {};
  if (body.mode !== undefined && body.mode !== null) {
    const mode = str(body.mode, `${at}.mode`);
    if (!MODES.includes(mode)) invalid(`${at}.mode`, `must be one of ${MODES.join(', ')}`);
    if (mode.startsWith('global'))
      warn(
        `${at}.mode`,
        `"${mode}" (one task per node) is ignored: the service runs its replicas (default 1)`,
      );
  }
  if (body.replicas !== undefined) out.replicas = int(body.replicas, `${at}.replicas`, 0, 1000);
  const resources = optObject(body.resources, `${at}.resources`);
  checkKeys(resources, `${at}.resources`, RESOURCES_KEYS, warn);
  // Flotilla reserves what a task may use, so a limit is the figure to schedule on; a reservation stands in.
  for (const kind of ['reservations', 'limits']) {
    const where = `${at}.resources.${kind}`;
    const r = optObject(resources[kind], where);
    checkKeys(r, where, LIMITS_KEYS, warn);
    if (r.cpus !== undefined) out.cpus = num(r.cpus, `${where}.cpus`, 0);
    if (r.memory !== undefined) out.mem = parseMemory(r.memory, `${where}.memory`);
    if (r.pids !== undefined) {
      const pids = int(r.pids, `${where}.pids`, -1);
      if (kind === 'limits') out.pids = pids;
      else warn(`${where}.pids`, 'a pids reservation means nothing to the kernel; give it under limits');
    }
  }
  const policy = optObject(body.restart_policy, `${at}.restart_policy`);
  checkKeys(policy, `${at}.restart_policy`, RESTART_POLICY_KEYS, warn);
  if (Object.keys(policy).length > 0) {
    const condition =
      policy.condition === undefined ? 'any' : str(policy.condition, `${at}.restart_policy.condition`);
    const map: Record<string, RestartPolicy> = { none: 'no', 'on-failure': 'on-failure', any: 'always' };
    if (!map[condition]) invalid(`${at}.restart_policy.condition`, 'must be none, on-failure or any');
    out.restart = map[condition];
    if (policy.delay !== undefined) out.delay = parseDuration(policy.delay, `${at}.restart_policy.delay`);
    if (policy.max_attempts !== undefined) int(policy.max_attempts, `${at}.restart_policy.max_attempts`, 0);
  }
  return out;
}

const CONDITIONS: Record<string, DependencyCondition> = {
  service_started: 'started',
  service_healthy: 'ready',
  service_completed_successfully: 'completed',
};

export function readDependsOn(value: unknown, at: string, warn: Warn): Dependency[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value))
    return value.map((v, i) => ({ name: str(v, `${at}[${i}]`), condition: 'started', required: true }));
  return Object.entries(object(value, at)).map(([name, raw]) => {
    const where = `${at}.${name}`;
    const body = optObject(raw, where);
    checkKeys(
      body,
      where,
      { condition: true, required: true, restart: 'a dependent is not restarted with its dependency' },
      warn,
    );
    const condition =
      body.condition === undefined ? 'service_started' : str(body.condition, `${where}.condition`);
    if (!CONDITIONS[condition])
      invalid(
        `${where}.condition`,
        'must be service_started, service_healthy or service_completed_successfully',
      );
    const required = body.required === undefined ? true : bool(body.required, `${where}.required`);
    return { name, condition: CONDITIONS[condition], required };
  });
}

/** Docker's defaults (a zero means "the default" there too). */
const HEALTH = { interval: 30, timeout: 30, retries: 3, startPeriod: 0 };

/**
 * A Compose healthcheck as a COMMAND check. Checks run through /bin/sh -c, so a CMD list is quoted word
 * by word. Flotilla probes a starting task often (to see it ready soon) where Docker waits `interval`
 * between probes, so the grace period covers the time Docker would take at the earliest to call a
 * starting container unhealthy: start_period + interval × retries.
 */
export function readHealthcheck(value: unknown, at: string, warn: Warn): HealthCheckSpec[] {
  if (value === undefined || value === null) return [];
  const body = object(value, at);
  checkKeys(body, at, HEALTHCHECK_KEYS, warn);
  if (body.disable !== undefined && bool(body.disable, `${at}.disable`)) return [];
  if (body.test === undefined) invalid(`${at}.test`, 'is required (or give disable: true)');
  const command = healthCommand(body.test, `${at}.test`);
  if (command === null) return [];
  const seconds = (key: string, dflt: number) =>
    body[key] === undefined || body[key] === null ? dflt : parseDuration(body[key], `${at}.${key}`) || dflt;
  if (body.start_interval !== undefined) parseDuration(body.start_interval, `${at}.start_interval`);
  const interval = seconds('interval', HEALTH.interval);
  const retries =
    body.retries === undefined ? HEALTH.retries : int(body.retries, `${at}.retries`, 0) || HEALTH.retries;
  return [
    {
      protocol: 'COMMAND',
      portIndex: 0,
      command,
      gracePeriodSeconds: seconds('start_period', HEALTH.startPeriod) + interval * retries,
      intervalSeconds: interval,
      timeoutSeconds: seconds('timeout', HEALTH.timeout),
      maxConsecutiveFailures: retries,
    },
  ];
}

/** The shell command of a `test`, or null for NONE. */
function healthCommand(test: unknown, at: string): string | null {
  if (typeof test === 'string') {
    if (test.trim() === '') invalid(at, 'is empty');
    return test;
  }
  const words = strings(test, at);
  const [kind, ...rest] = words;
  if (kind === 'NONE') return null;
  if (rest.length === 0) invalid(at, 'names no command');
  if (kind === 'CMD') return rest.map(shellQuote).join(' ');
  if (kind === 'CMD-SHELL') return rest.join(' ');
  return invalid(at, `must start with CMD, CMD-SHELL or NONE, got "${kind}"`);
}
