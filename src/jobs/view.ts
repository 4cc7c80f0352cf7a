import type { JobRecord } from '../core/job.js';
import type { JobView } from '../core/job-schemas.js';

/** The driver's key: tasks are "<tenant>/<owner>.<name>", and no owner name holds a ':'. */
export function driverKey(j: { tenant: string; service: string; id: string }): string {
  return `${j.tenant}/jobs:${j.service}:${j.id}`;
}

export function jobView(j: JobRecord): JobView {
  const iso = (t: number) => new Date(t).toISOString();
  return {
    id: j.id,
    tenant: j.tenant,
    service: j.service,
    app: j.app,
    args: j.args,
    class: j.mainClass,
    conf: j.conf,
    connectors: j.connectors,
    jars: j.jars,
    state: j.state,
    exitCode: j.exitCode,
    applicationId: j.applicationId,
    message: j.message,
    pid: j.process && j.process.pid > 0 ? j.process.pid : null,
    createdAt: iso(j.createdAt),
    endedAt: j.endedAt === null ? null : iso(j.endedAt),
  };
}
