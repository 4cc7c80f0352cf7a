import { SCALAR_RESOURCES, type Resources, type ScalarResource } from './types.js';

/**
 * Slack for sums of fractional CPUs: ten tasks of 0.1 CPU must fit on a 1-CPU node even though
 * 0.1 * 10 is 0.9999999999999999 in floating point.
 */
export const EPSILON = 1e-9;

export const zero = (): Resources => ({ cpus: 0, mem: 0, disk: 0, ports: 0 });

export function addTo(into: Resources, r: Resources): void {
  into.cpus += r.cpus;
  into.mem += r.mem;
  into.disk += r.disk;
  into.ports += r.ports;
}

export function subtractFrom(from: Resources, r: Resources): void {
  from.cpus -= r.cpus;
  from.mem -= r.mem;
  from.disk -= r.disk;
  from.ports -= r.ports;
}

export function sum(rs: Iterable<Resources>): Resources {
  const total = zero();
  for (const r of rs) addTo(total, r);
  return total;
}

/** `12.5` stays `12.5`, `0.30000000000000004` prints as `0.3`. */
export function amount(resource: ScalarResource, value: number): string {
  const n = String(Math.round(value * 1000) / 1000);
  return resource === 'mem' || resource === 'disk' ? `${n} MB` : n;
}

export function format(r: Resources): string {
  return SCALAR_RESOURCES.map((k) => `${k} ${amount(k, r[k])}`).join(', ');
}
