import type { Constraint } from './constraint.js';
import type { AppSpec } from './app.js';

export const DRIVERS = ['process', 'docker'] as const;
export type DriverName = (typeof DRIVERS)[number];

/** A service as a stack file (or an install request) declares it, before validation against its package. */
export interface ServiceEntry {
  name: string;
  package: string;
  version?: string;
  /** Options as written: `${svc.field}` references are resolved at deploy time. */
  options: Record<string, unknown>;
  dependsOn: string[];
  /** Marathon constraints for every task of the service, on top of the package's own. */
  constraints?: Constraint[];
  /** The driver that runs its tasks (the service's `driver:`, else the stack's); unset: the daemon's default. */
  driver?: DriverName;
  /** The user's own image for the Docker driver, instead of the catalog's runtime image. */
  image?: string;
}

/**
 * One thing a stack, a request or the queue asks Flotilla to run: a package's service or an app.
 * Every reader (stack files, Compose files, Marathon JSON) returns these, the queue stores them, and
 * planning switches on `kind`.
 */
export type Declaration = { kind: 'service'; service: ServiceEntry } | { kind: 'app'; app: AppSpec };

export function declaredName(d: Declaration): string {
  return d.kind === 'service' ? d.service.name : d.app.id;
}

export function declaredDependencies(d: Declaration): string[] {
  return d.kind === 'service' ? d.service.dependsOn : d.app.dependencies;
}

export function serviceDeclaration(service: ServiceEntry): Declaration {
  return { kind: 'service', service };
}

export function appDeclaration(app: AppSpec): Declaration {
  return { kind: 'app', app };
}

/** The services among some declarations (tests and views read them apart). */
export function servicesOf(ds: { declarations: Declaration[] } | Declaration[]): ServiceEntry[] {
  const list = Array.isArray(ds) ? ds : ds.declarations;
  return list.flatMap((d) => (d.kind === 'service' ? [d.service] : []));
}

/** The apps among some declarations. */
export function appsOf(ds: { declarations: Declaration[] } | Declaration[]): AppSpec[] {
  const list = Array.isArray(ds) ? ds : ds.declarations;
  return list.flatMap((d) => (d.kind === 'app' ? [d.app] : []));
}

/** Declarations in an order where each comes after everything it depends on (within the list). */
export function deployOrder(ds: Declaration[]): Declaration[] {
  const byName = new Map(ds.map((d) => [declaredName(d), d]));
  const order: Declaration[] = [];
  const seen = new Set<string>();
  const visit = (d: Declaration): void => {
    const name = declaredName(d);
    if (seen.has(name)) return;
    seen.add(name);
    for (const dep of declaredDependencies(d)) {
      const next = byName.get(dep);
      if (next) visit(next);
    }
    order.push(d);
  };
  for (const d of ds) visit(d);
  return order;
}
