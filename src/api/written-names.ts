import { COMPOSE_NAME, composeProjectName, dnsSafeName } from '../core/compose-names.js';

/**
 * A Compose file's names as the user wrote them (`cassandra_db`, `My.Project`) are kept in the views,
 * and Flotilla names its apps, tasks and stacks by their DNS-safe forms (`cassandra-db`). A route
 * that names one of them takes either: the written form is mapped here, once, before validation,
 * the same way the file's names were mapped when it was applied. A name already DNS-safe is left
 * as it is, and so is anything Compose would not accept as a name: the route refuses it as before.
 */

/** A stack, app, service or task id as Flotilla writes it. */
const CANONICAL = /^[a-z0-9-]+$/;
const CANONICAL_TASK = /^[a-z0-9-]+\.[a-z0-9-]+$/;

function ownerId(written: string): string {
  return CANONICAL.test(written) || !COMPOSE_NAME.test(written) ? written : dnsSafeName(written);
}

function stackName(written: string): string {
  return CANONICAL.test(written) || !COMPOSE_NAME.test(written) ? written : composeProjectName(written);
}

/** "cassandra_db.0" → "cassandra-db.0": the owner is the part before the last dot. */
function taskId(written: string): string {
  const dot = written.lastIndexOf('.');
  if (CANONICAL_TASK.test(written) || dot <= 0) return written;
  return `${ownerId(written.slice(0, dot))}.${written.slice(dot + 1)}`;
}

/** Which parameter of which routes names what, by the route's path up to it. */
const PARAMS: { prefix: string; param: string; map: (written: string) => string }[] = [
  { prefix: '/v1/stacks/:name', param: 'name', map: stackName },
  { prefix: '/v1/apps/:id', param: 'id', map: ownerId },
  { prefix: '/v1/services/:name', param: 'name', map: ownerId },
  { prefix: '/service/:name', param: 'name', map: ownerId },
  { prefix: '/v1/tasks/:id', param: 'id', map: taskId },
];

/** The `owner` and `stack` filters of the task list. */
const QUERIES: { url: string; key: string; map: (written: string) => string }[] = [
  { url: '/v1/tasks', key: 'owner', map: ownerId },
  { url: '/v1/tasks', key: 'stack', map: stackName },
];

/** Rewrites, in place, the route parameters and filters of `route` that name something by its written name. */
export function canonicalNames(
  route: string | undefined,
  params: Record<string, string> | undefined,
  query: Record<string, unknown> | undefined,
): void {
  if (!route) return;
  for (const { prefix, param, map } of PARAMS) {
    const value = params?.[param];
    if (typeof value === 'string' && (route === prefix || route.startsWith(`${prefix}/`)))
      params![param] = map(value);
  }
  for (const { url, key, map } of QUERIES) {
    const value = query?.[key];
    if (route === url && typeof value === 'string') query![key] = map(value);
  }
}
