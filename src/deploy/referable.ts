import type { Paths } from '../core/paths.js';
import type { Store } from '../state/store.js';
import { serviceEndpoints } from './render-service.js';

/** Endpoint values per service name, for `${svc.field}` references. */
export type Values = Map<string, Record<string, string>>;

/** What references may use of a tenant's deployed services. */
export interface Referable {
  /** Endpoints as the host sees them. */
  endpoints: Values;
  /** Endpoints as the containers of the deploying stack see them (its own container services by name). */
  inner: Values;
  /** Whether each service runs in containers. */
  contained: Map<string, boolean>;
}

/**
 * What `${svc.field}` references may use of a tenant's deployed services (but `except`): their
 * endpoints as the host sees them; as the containers of `stack` see them (its own container services
 * by their names on its network, computed only for those); and whether each runs in containers.
 */
export function referable(
  ctx: { store: Store; paths: Paths },
  tenant: string,
  except: ReadonlySet<string>,
  /** The stack whose containers look (null: standalone services); undefined: none. */
  stack: string | null | undefined,
): Referable {
  const endpoints: Values = new Map();
  const inner: Values = new Map();
  const contained = new Map<string, boolean>();
  for (const s of ctx.store.services.list(tenant)) {
    if (except.has(s.name)) continue;
    const tasks = ctx.store.tasks.byOwner(tenant, s.name).filter((t) => t.desired === 'running');
    const inContainers = tasks.some((t) => t.spec.container);
    const outside = serviceEndpoints(ctx.paths, s, tasks).values;
    endpoints.set(s.name, outside);
    contained.set(s.name, inContainers);
    const onNetwork = inContainers && s.stack === stack;
    inner.set(s.name, onNetwork ? serviceEndpoints(ctx.paths, s, tasks, true).values : outside);
  }
  return { endpoints, inner, contained };
}

/** Endpoints of a tenant's deployed services (but `except`), for `${svc.field}` references. */
export function tenantEndpoints(
  ctx: { store: Store; paths: Paths },
  tenant: string,
  except: ReadonlySet<string> = new Set(),
): Values {
  return referable(ctx, tenant, except, undefined).endpoints;
}
