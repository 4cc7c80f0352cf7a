import { isIPv4 } from 'node:net';
import { FlotillaError } from '../core/errors.js';

/**
 * The DNS view of the daemon's state, in the spirit of Mesos-DNS. Names follow
 * `<task|role>.<service>.<tenant>.<domain>` and `_<port>._tcp.<service>.<tenant>.<domain>`, so the
 * tenant is part of every name and a later auth layer can cut a set down to one tenant.
 */

export interface DiscoveryTask {
  /** Stable task identity, e.g. `kafka-0`. */
  name: string;
  role: string;
  /** The task's address (a virtual node's loopback address in embedded mode). */
  host: string;
  ports: number[];
  /** Names for `ports` by index; missing entries fall back to the role (index 0) or `port<i>`. */
  portNames?: string[];
  ready: boolean;
}

export interface DiscoveryService {
  tenant: string;
  name: string;
  tasks: DiscoveryTask[];
}

export interface DiscoveryInput {
  domain: string;
  services: DiscoveryService[];
}

export interface SrvRecord {
  priority: number;
  weight: number;
  port: number;
  /** The task's A name, so a client resolves the target with the same server. */
  target: string;
}

export interface RecordSet {
  /** Lowercase, without trailing dot. */
  domain: string;
  /** Lowercase owner name → IPv4 addresses (deduplicated, in input order). */
  a: ReadonlyMap<string, readonly string[]>;
  srv: ReadonlyMap<string, readonly SrvRecord[]>;
  /**
   * Every name that exists, including empty non-terminals such as `default.flotilla`, so the server
   * can tell "no such name" (NXDOMAIN) from "no record of that type" (NODATA) as RFC 8020 asks.
   */
  names: ReadonlySet<string>;
}

export const SRV_PRIORITY = 0;
export const SRV_WEIGHT = 10;
const MAX_NAME_TEXT = 253;

// One label as the specs accept names; we lower-case first because DNS is case-insensitive.
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Lower-cases a label, or returns undefined when it cannot be one DNS label. */
export function toLabel(value: string): string | undefined {
  const label = value.toLowerCase();
  return LABEL.test(label) ? label : undefined;
}

/** Lower-cases and validates a (possibly dotted) domain; throws because a bad domain is a config error. */
export function normaliseDomain(domain: string): string {
  const trimmed = domain.toLowerCase().replace(/\.$/, '');
  const labels = trimmed.split('.');
  if (trimmed.length === 0 || trimmed.length > 200 || labels.some((l) => toLabel(l) === undefined)) {
    throw new FlotillaError('VALIDATION_FAILED', `invalid DNS domain '${domain}'`);
  }
  return trimmed;
}

function validPort(port: number): boolean {
  return Number.isInteger(port) && port > 0 && port <= 65535;
}

export function buildRecords(input: DiscoveryInput): RecordSet {
  const domain = normaliseDomain(input.domain);
  const a = new Map<string, string[]>();
  const srv = new Map<string, SrvRecord[]>();
  const names = new Set<string>([domain]);

  const addName = (name: string): void => {
    // Register every ancestor up to the domain so empty non-terminals answer NODATA, not NXDOMAIN.
    for (let n = name; n !== domain && !names.has(n); n = n.slice(n.indexOf('.') + 1)) names.add(n);
  };
  // Names past 253 characters cannot go on the wire; dropping one record beats failing every answer.
  const fits = (name: string): boolean => name.length <= MAX_NAME_TEXT;
  const addA = (name: string, host: string): void => {
    if (!fits(name)) return;
    addName(name);
    const list = a.get(name) ?? [];
    if (!list.includes(host)) list.push(host);
    a.set(name, list);
  };
  const addSrv = (name: string, record: SrvRecord): void => {
    if (!fits(name) || !fits(record.target)) return;
    addName(name);
    srv.set(name, [...(srv.get(name) ?? []), record]);
  };

  for (const service of input.services) {
    const tenant = toLabel(service.tenant);
    const svc = toLabel(service.name);
    // A name we cannot express in DNS is skipped rather than thrown: one odd service must not take
    // discovery down for every other tenant.
    if (tenant === undefined || svc === undefined) continue;
    const base = `${svc}.${tenant}.${domain}`;
    addName(base);
    for (const task of service.tasks) {
      const taskLabel = toLabel(task.name);
      // Only IPv4 hosts: we serve A records, and a hostname would need a CNAME we do not emit.
      if (taskLabel === undefined || !isIPv4(task.host)) continue;
      const taskName = `${taskLabel}.${base}`;
      addA(taskName, task.host);
      if (!task.ready) continue;
      addA(base, task.host);
      const role = toLabel(task.role);
      if (role !== undefined) addA(`${role}.${base}`, task.host);
      task.ports.forEach((port, i) => {
        const portName = toLabel(task.portNames?.[i] ?? (i === 0 ? task.role : `port${i}`));
        if (portName === undefined || !validPort(port)) return;
        addSrv(`_${portName}._tcp.${base}`, {
          priority: SRV_PRIORITY,
          weight: SRV_WEIGHT,
          port,
          target: taskName,
        });
      });
    }
  }
  return { domain, a, srv, names };
}

/** The part of a record set one tenant may see: its own names plus the domain apex. */
export function recordsForTenant(set: RecordSet, tenant: string): RecordSet {
  const label = toLabel(tenant);
  const root = label === undefined ? undefined : `${label}.${set.domain}`;
  const mine = (name: string): boolean =>
    name === set.domain || (root !== undefined && (name === root || name.endsWith(`.${root}`)));
  return {
    domain: set.domain,
    a: new Map([...set.a].filter(([name]) => mine(name))),
    srv: new Map([...set.srv].filter(([name]) => mine(name))),
    names: new Set([...set.names].filter(mine)),
  };
}
