import { defaultHome } from '../core/paths.js';
import { START_ORDERS, type StartOrder } from '../core/service.js';
import { createHash } from 'node:crypto';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { FlotillaError } from '../core/errors.js';
import type { NodeOffer } from '../core/node.js';
import { DEFAULT_LOG_LIMITS, type LogLimits } from '../reconciler/log-rotation.js';
import { DRIVERS, type DriverName } from '../specs/stack.js';

export interface DaemonConfig {
  home: string;
  host: string;
  /** 0 = any free port (the address is published in $FLOTILLA_HOME/daemon.json). */
  port: number;
  portRange: [number, number];
  /** How many virtual nodes this machine is split into. */
  nodes: number;
  /** What each virtual node offers the scheduler. */
  nodeOffer: NodeOffer;
  /** Whether API callers must present a token (always, unless FLOTILLA_AUTH=off on loopback). */
  auth: boolean;
  /** Where the DNS server listens (port 0 = any free port, published in daemon.json). */
  dns: { host: string; port: number };
  /** The verified artifact cache; shared between homes when set (FLOTILLA_ARTIFACTS). */
  artifactsDir: string | null;
  /**
   * FLOTILLA_CGROUPS: 'auto' (absent = auto): mem a hard limit, cpus a weight, where cgroups allow it;
   * 'strict': cpus a hard CFS quota too; 'off': never.
   */
  cgroups?: 'auto' | 'strict' | 'off';
  /** FLOTILLA_DRIVER: the driver of services whose stack names none ('process', the default, or 'docker'). */
  driver?: DriverName;
  /** FLOTILLA_ISOLATION: 'auto' (the default: a user per tenant when root), 'users' or 'none'. */
  isolation?: 'auto' | 'users' | 'none';
  /** FLOTILLA_UID_RANGE: the uids and gids of tenants' users (default 200000-299999). */
  uidRange?: [number, number];
  /** How often the daemon checks that its home still exists (default 5 s; tests use less). */
  homeCheckMs?: number;
  /** FLOTILLA_START_ORDER: the start order of stacks whose file names none (default auto). */
  startOrder?: StartOrder;
  /** FLOTILLA_START_SLOTS: services whose JVMs start at once in the auto order (default: one per two cores). */
  startSlots?: number;
  /** FLOTILLA_PORT_RESERVATIONS: the folder every home on this machine reserves task ports in. */
  portReservations?: string;
  /** FLOTILLA_LOG_MAX_BYTES and FLOTILLA_LOG_FILES: how task logs are rotated. */
  logLimits?: LogLimits;
  /**
   * FLOTILLA_PUBLISH_IP: where a container port written without an address is published, as Docker's
   * `--ip` (`0.0.0.0`: every interface); unset: its task's virtual node, on loopback.
   */
  publishIp?: string;
}

export const DEFAULT_DNS_PORT = 5354;

/**
 * One virtual node per 2 GB of memory, at least 4 and at most 16: the full dev stack (3 brokers, 3
 * Cassandra nodes, Spark workers, one per node each) fits, and each node's memory slice stays
 * useful. Every node offers all cores (see nodeOffer), so more nodes also mean more CPU to promise.
 */
export function defaultNodeCount(memMb = os.totalmem() / 2 ** 20): number {
  return Math.max(4, Math.min(16, Math.floor(memMb / 2048)));
}

export const DEFAULT_PORT = 4740;

/**
 * Names this daemon's containers, networks and volumes (`flt-<id>-…`) apart from those of another
 * home's daemon on the same Docker engine: the first 8 hex digits of the home's SHA-256.
 */
export function daemonIdOf(home: string): string {
  return createHash('sha256').update(path.resolve(home)).digest('hex').slice(0, 8);
}

export function flotillaHome(env: NodeJS.ProcessEnv = process.env): string {
  return defaultHome(env);
}

/** Reads the daemon's settings from the environment; every setting has a working default. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): DaemonConfig {
  const [host, port] = listenAddress('FLOTILLA_LISTEN', env.FLOTILLA_LISTEN ?? `127.0.0.1:${DEFAULT_PORT}`);
  const authSetting = env.FLOTILLA_AUTH ?? 'token';
  if (authSetting !== 'token' && authSetting !== 'off') {
    throw new FlotillaError(
      'VALIDATION_FAILED',
      `FLOTILLA_AUTH=${authSetting}: use token (the default) or off`,
    );
  }
  if (authSetting === 'off' && !isLoopback(host)) {
    throw new FlotillaError(
      'AUTH_REQUIRED',
      `FLOTILLA_LISTEN=${env.FLOTILLA_LISTEN} with FLOTILLA_AUTH=off: without tokens the daemon listens on loopback addresses only (127.0.0.0/8, ::1)`,
    );
  }
  const range = (env.FLOTILLA_PORT_RANGE ?? '20000-29999').split('-').map(Number);
  if (
    range.length !== 2 ||
    !range.every((n) => Number.isInteger(n) && n > 0 && n < 65536) ||
    range[0]! > range[1]!
  ) {
    throw new FlotillaError(
      'VALIDATION_FAILED',
      `FLOTILLA_PORT_RANGE=${env.FLOTILLA_PORT_RANGE}: write it as LOW-HIGH, e.g. 20000-29999`,
    );
  }
  const nodes = env.FLOTILLA_NODES === undefined ? defaultNodeCount() : Number(env.FLOTILLA_NODES);
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 250) {
    throw new FlotillaError(
      'VALIDATION_FAILED',
      `FLOTILLA_NODES=${env.FLOTILLA_NODES}: give a whole number from 1 to 250`,
    );
  }
  const [dnsHost, dnsPort] = listenAddress(
    'FLOTILLA_DNS_LISTEN',
    env.FLOTILLA_DNS_LISTEN ?? `127.0.0.1:${DEFAULT_DNS_PORT}`,
  );
  if (!isLoopback(dnsHost)) {
    throw new FlotillaError(
      'VALIDATION_FAILED',
      `FLOTILLA_DNS_LISTEN=${env.FLOTILLA_DNS_LISTEN}: use a loopback address`,
    );
  }
  return {
    home: flotillaHome(env),
    host,
    port,
    portRange: [range[0]!, range[1]!],
    nodes,
    nodeOffer: nodeOffer(env, nodes, range[1]! - range[0]! + 1),
    auth: authSetting === 'token',
    dns: { host: dnsHost, port: dnsPort },
    artifactsDir: env.FLOTILLA_ARTIFACTS ? path.resolve(env.FLOTILLA_ARTIFACTS) : null,
    cgroups: cgroupsSetting(env.FLOTILLA_CGROUPS),
    driver: driverSetting(env.FLOTILLA_DRIVER),
    isolation: isolationSetting(env.FLOTILLA_ISOLATION),
    ...(env.FLOTILLA_UID_RANGE ? { uidRange: uidRange(env.FLOTILLA_UID_RANGE) } : {}),
    logLimits: logLimits(env),
    ...startSettings(env),
    ...(env.FLOTILLA_PORT_RESERVATIONS
      ? { portReservations: path.resolve(env.FLOTILLA_PORT_RESERVATIONS) }
      : {}),
    ...(env.FLOTILLA_PUBLISH_IP ? { publishIp: publishIp(env.FLOTILLA_PUBLISH_IP) } : {}),
  };
}

function publishIp(raw: string): string {
  if (net.isIP(raw) === 0)
    throw new FlotillaError(
      'VALIDATION_FAILED',
      `FLOTILLA_PUBLISH_IP=${raw}: give an IP address, e.g. 0.0.0.0 to publish on every interface as Docker does`,
    );
  return raw;
}

function logLimits(env: NodeJS.ProcessEnv): LogLimits {
  const maxBytes = Number(env.FLOTILLA_LOG_MAX_BYTES || DEFAULT_LOG_LIMITS.maxBytes);
  if (!Number.isInteger(maxBytes) || maxBytes < 1024) {
    throw new FlotillaError(
      'VALIDATION_FAILED',
      `FLOTILLA_LOG_MAX_BYTES=${env.FLOTILLA_LOG_MAX_BYTES}: give a whole number of bytes, at least 1024`,
    );
  }
  const files = Number(env.FLOTILLA_LOG_FILES || DEFAULT_LOG_LIMITS.files);
  if (!Number.isInteger(files) || files < 0 || files > 100) {
    throw new FlotillaError(
      'VALIDATION_FAILED',
      `FLOTILLA_LOG_FILES=${env.FLOTILLA_LOG_FILES}: give a whole number from 0 to 100`,
    );
  }
  return { maxBytes, files };
}

function startSettings(env: NodeJS.ProcessEnv): { startOrder?: StartOrder; startSlots?: number } {
  const order = env.FLOTILLA_START_ORDER;
  if (order && !(START_ORDERS as readonly string[]).includes(order))
    throw new FlotillaError(
      'VALIDATION_FAILED',
      `FLOTILLA_START_ORDER=${order}: use ${START_ORDERS.join(', ')} (auto is the default)`,
    );
  const slots = env.FLOTILLA_START_SLOTS ? Number(env.FLOTILLA_START_SLOTS) : undefined;
  if (slots !== undefined && (!Number.isInteger(slots) || slots < 1 || slots > 1024))
    throw new FlotillaError(
      'VALIDATION_FAILED',
      `FLOTILLA_START_SLOTS=${env.FLOTILLA_START_SLOTS}: give a whole number from 1 to 1024`,
    );
  return {
    ...(order ? { startOrder: order as StartOrder } : {}),
    ...(slots !== undefined ? { startSlots: slots } : {}),
  };
}

function driverSetting(raw: string | undefined): DriverName {
  if (raw === undefined || raw === '') return 'process';
  if ((DRIVERS as readonly string[]).includes(raw)) return raw as DriverName;
  throw new FlotillaError('VALIDATION_FAILED', `FLOTILLA_DRIVER=${raw}: use ${DRIVERS.join(' or ')}`);
}

function cgroupsSetting(raw: string | undefined): 'auto' | 'strict' | 'off' {
  if (raw === undefined || raw === '' || raw === 'auto') return 'auto';
  if (raw === 'off' || raw === 'strict') return raw;
  throw new FlotillaError(
    'VALIDATION_FAILED',
    `FLOTILLA_CGROUPS=${raw}: use auto (the default), strict or off`,
  );
}

/**
 * Virtual nodes share the machine: each offers every core (CPU time is shared and, with cgroups,
 * capped per task) but only its slice of the memory, so the pool never promises memory it lacks.
 */
function nodeOffer(env: NodeJS.ProcessEnv, nodes: number, ports: number): NodeOffer {
  const number = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) {
      throw new FlotillaError('VALIDATION_FAILED', `${name}=${raw}: give a positive number`);
    }
    return n;
  };
  return {
    cpus: number('FLOTILLA_NODE_CPUS', os.availableParallelism()),
    mem: number('FLOTILLA_NODE_MEM', Math.floor(os.totalmem() / 2 ** 20 / nodes)),
    disk: number('FLOTILLA_NODE_DISK', 100 * 1024),
    ports,
    labels: parseLabels(env.FLOTILLA_NODE_ATTRIBUTES ?? ''),
  };
}

/** FLOTILLA_NODE_ATTRIBUTES="1:zone=a,rack=r1;2:zone=b": labels for constraints, by node number. */
export function parseLabels(text: string): Record<number, Record<string, string>> {
  const labels: Record<number, Record<string, string>> = {};
  for (const part of text
    .split(';')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^(\d+):(.+)$/.exec(part);
    const pairs = m?.[2]!.split(',').map((kv) => kv.trim().split('='));
    if (!m || !pairs || pairs.some((kv) => kv.length !== 2 || !kv[0] || !kv[1])) {
      throw new FlotillaError(
        'VALIDATION_FAILED',
        `FLOTILLA_NODE_ATTRIBUTES: "${part}" should read N:key=value,key=value (e.g. 1:zone=a,rack=r1)`,
      );
    }
    labels[Number(m[1])] = Object.fromEntries(pairs as [string, string][]);
  }
  return labels;
}

/** HOST:PORT (or PORT alone) with a port from 0 (any free one) to 65535 and a host to listen on. */
function listenAddress(variable: string, value: string): [string, number] {
  const [written, portText] = splitHostPort(value);
  // ":0" (README): the default host, any free port.
  const host = written === '' ? '127.0.0.1' : written;
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 0 && port <= 65535) || !/^(\[?[0-9A-Fa-f:.]+\]?|[A-Za-z0-9.-]+)$/.test(host)) {
    throw new FlotillaError(
      'VALIDATION_FAILED',
      `${variable}=${value}: write it as HOST:PORT with a port from 0 (any free port) to 65535, e.g. 127.0.0.1:4740`,
    );
  }
  return [host, port];
}

function splitHostPort(value: string): [string, string] {
  const i = value.lastIndexOf(':');
  if (i < 0) return ['127.0.0.1', value];
  return [value.slice(0, i).replace(/^\[|\]$/g, ''), value.slice(i + 1)];
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function isolationSetting(raw: string | undefined): 'auto' | 'users' | 'none' {
  if (raw === undefined || raw === 'auto' || raw === 'users' || raw === 'none') return raw ?? 'auto';
  throw new FlotillaError(
    'VALIDATION_FAILED',
    `FLOTILLA_ISOLATION=${raw}: use auto (the default), users or none`,
  );
}

function uidRange(raw: string): [number, number] {
  const [lo, hi] = raw.split('-').map(Number);
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo! < 1000 || hi! < lo! || hi! > 2 ** 31 - 2)
    throw new FlotillaError(
      'VALIDATION_FAILED',
      `FLOTILLA_UID_RANGE=${raw}: write it as LOW-HIGH above the system's users, e.g. 200000-299999`,
    );
  return [lo!, hi!];
}
