import type { DeployResultView, DoctorView, TaskView } from '../core/api-schemas.js';
import type { Endpoint } from '../core/service.js';
import { age, printTable, truncate } from './output.js';

export const TASK_HEADERS = ['task', 'stack', 'state', 'host:ports', 'pid', 'restarts', 'age', 'message'];

export function hostPorts(t: Pick<TaskView, 'host' | 'ports'>): string {
  return t.ports.length === 0 ? t.host : `${t.host}:${t.ports.join(',')}`;
}

/** What a task's row shows: all `ps` asks the daemon for. */
export const TASK_ROW_FIELDS = [
  'id',
  'ownerName',
  'stack',
  'state',
  'host',
  'ports',
  'pid',
  'restarts',
  'stateSince',
  'message',
] as const;
export type TaskRowView = Pick<TaskView, (typeof TASK_ROW_FIELDS)[number]>;

export function taskRow(t: TaskRowView, now = Date.now()): string[] {
  return [
    // The id is what commands take; the name as the Compose file wrote it is shown beside it.
    t.ownerName ? `${t.id} (${t.ownerName})` : t.id,
    t.stack ?? '-',
    t.state,
    hostPorts(t),
    t.pid === null ? '-' : String(t.pid),
    String(t.restarts),
    age(t.stateSince, now),
    truncate(t.message ?? '', 50),
  ];
}

export function printTasks(tasks: TaskRowView[]): void {
  if (tasks.length === 0) {
    process.stdout.write('no tasks\n');
    return;
  }
  printTable(
    TASK_HEADERS,
    tasks.map((t) => taskRow(t)),
  );
}

/** "3/3": of the tasks meant to run, how many are ready. */
export function readyCount(tasks: TaskView[]): string {
  const wanted = tasks.filter((t) => t.desired === 'running');
  return `${wanted.filter((t) => t.ready).length}/${wanted.length}`;
}

/** Warnings go to stderr, so that stdout stays what scripts parse. */
export function printWarnings(warnings: string[] | undefined): void {
  for (const w of warnings ?? []) process.stderr.write(`warning: ${w}\n`);
}

export function printDeployResult(r: DeployResultView): void {
  printWarnings(r.warnings);
  const lines = (['created', 'updated', 'unchanged', 'removed'] as const)
    .filter((k) => r[k].length > 0)
    .map((k) => `${k.padEnd(9)}  ${r[k].join(', ')}`);
  for (const w of r.waiting ?? []) lines.push(`waiting    ${w.name} (${w.kind}): ${w.reason}`);
  process.stdout.write(`${lines.length > 0 ? lines.join('\n') : 'nothing to do'}\n`);
}

/**
 * One row per connection string: the values are what users copy. A service's single endpoint
 * is left unnamed to keep the names short ("url", not "redis.url").
 */
export function endpointRows(service: string, endpoints: Endpoint[]): string[][] {
  return endpoints.flatMap((e) => {
    const name = (k: string) => (endpoints.length === 1 ? k : `${e.name}.${k}`);
    const rows = Object.entries(e.values)
      .filter(([, v]) => v !== '')
      .map(([k, v]) => [service, name(k), v]);
    if (e.addresses.length > 0) rows.push([service, name('addresses'), e.addresses.join(',')]);
    return rows;
  });
}

export const ENDPOINT_HEADERS = ['service', 'name', 'value'];

/** `flotilla doctor`: each check as ok, warn (passes, something optional missing) or FAIL, with its fix. */
export function doctorLines(report: DoctorView): string[] {
  return report.checks.flatMap((c) => [
    `${!c.ok ? 'FAIL' : c.warning ? 'warn' : 'ok  '}  ${c.name}: ${c.detail}`,
    ...(!c.ok && c.fix ? [`      fix: ${c.fix}`] : []),
  ]);
}
