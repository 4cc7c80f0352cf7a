import os from 'node:os';
import path from 'node:path';
import { FlotillaError } from '../core/errors.js';

export interface DaemonConfig {
  home: string;
  host: string;
  /** 0 = any free port (the address is published in $FLOTILLA_HOME/daemon.json). */
  port: number;
  portRange: [number, number];
  /** How many virtual nodes this machine is split into. */
  nodes: number;
  /** Where the DNS server listens (port 0 = any free port, published in daemon.json). */
  dns: { host: string; port: number };
  /** The verified artifact cache; shared between homes when set (FLOTILLA_ARTIFACTS). */
  artifactsDir: string | null;
}

export const DEFAULT_DNS_PORT = 5354;

/** Enough nodes for a 3-broker cluster and its ZooKeeper side by side, more on bigger machines. */
export function defaultNodeCount(cpus = os.availableParallelism(), memMb = os.totalmem() / 2 ** 20): number {
  return Math.max(3, Math.min(16, cpus * 2, Math.floor(memMb / 1024)));
}

export const DEFAULT_PORT = 4740;

export function flotillaHome(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.FLOTILLA_HOME ?? path.join(os.homedir(), '.flotilla'));
}

/** Reads the daemon's settings from the environment; every setting has a working default. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): DaemonConfig {
  const [host, portText] = splitHostPort(env.FLOTILLA_LISTEN ?? `127.0.0.1:${DEFAULT_PORT}`);
  if (!isLoopback(host)) {
    // Until tokens exist, nothing but this machine may reach the API.
    throw new FlotillaError(
      'VALIDATION_FAILED',
      `FLOTILLA_LISTEN=${env.FLOTILLA_LISTEN}: the daemon listens on loopback addresses only (127.0.0.0/8, ::1)`,
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
  const [dnsHost, dnsPort] = splitHostPort(env.FLOTILLA_DNS_LISTEN ?? `127.0.0.1:${DEFAULT_DNS_PORT}`);
  if (!isLoopback(dnsHost)) {
    throw new FlotillaError(
      'VALIDATION_FAILED',
      `FLOTILLA_DNS_LISTEN=${env.FLOTILLA_DNS_LISTEN}: use a loopback address`,
    );
  }
  return {
    home: flotillaHome(env),
    host,
    port: Number(portText),
    portRange: [range[0]!, range[1]!],
    nodes,
    dns: { host: dnsHost, port: Number(dnsPort) },
    artifactsDir: env.FLOTILLA_ARTIFACTS ? path.resolve(env.FLOTILLA_ARTIFACTS) : null,
  };
}

function splitHostPort(value: string): [string, string] {
  const i = value.lastIndexOf(':');
  if (i < 0) return ['127.0.0.1', value];
  return [value.slice(0, i).replace(/^\[|\]$/g, ''), value.slice(i + 1)];
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
