/**
 * Every key that names something across tenants, built and parsed here only.
 *
 *   owner key  "<tenant>/<owner>"         a service or app: the scheduler's gang id, the hooks' key
 *   task key   "<tenant>/<owner>.<name>"  a task: the reconciler queue's key, the driver's task key
 *   task id    "<owner>.<name>"           a task within its tenant: "cache.redis-0", "web.1"
 *
 * Tenant names never hold a "/" and owner names never hold a ".", so each parse is exact.
 */

export function ownerKey(tenant: string, owner: string): string {
  return `${tenant}/${owner}`;
}

export function taskId(owner: string, name: string): string {
  return `${owner}.${name}`;
}

export function taskKey(tenant: string, id: string): string {
  return `${tenant}/${id}`;
}

/** The tenant and the rest of an owner key or a task key. */
export function splitKey(key: string): { tenant: string; id: string } {
  const slash = key.indexOf('/');
  if (slash <= 0) throw new Error(`not a tenant-scoped key: "${key}"`);
  return { tenant: key.slice(0, slash), id: key.slice(slash + 1) };
}

/** The owner and the instance name of a task id. */
export function splitTaskId(id: string): { owner: string; name: string } {
  const dot = id.indexOf('.');
  if (dot <= 0) throw new Error(`not a task id: "${id}"`);
  return { owner: id.slice(0, dot), name: id.slice(dot + 1) };
}

/** Constraints are evaluated among the tasks of one role of one owner, as Marathon does per app. */
export function constraintGroup(tenant: string, owner: string, role: string): string {
  return `${ownerKey(tenant, owner)}/${role}`;
}
