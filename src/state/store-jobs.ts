import type { JobRecord, JobSpec, JobState } from '../core/job.js';
import type { TaskHandle } from '../core/task.js';
import type { Db } from './db.js';

interface JobRow {
  tenant: string;
  id: string;
  service: string;
  app: string;
  args: string;
  options: string;
  state: JobState;
  exit_code: number | null;
  application_id: string | null;
  message: string | null;
  process: string | null;
  created_at: number;
  ended_at: number | null;
}

type JobOptions = Omit<JobSpec, 'app' | 'args'>;

function fromRow(r: JobRow): JobRecord {
  const options = JSON.parse(r.options) as JobOptions;
  return {
    tenant: r.tenant,
    id: r.id,
    service: r.service,
    app: r.app,
    args: JSON.parse(r.args) as string[],
    mainClass: options.mainClass,
    conf: options.conf,
    connectors: options.connectors,
    jars: options.jars,
    state: r.state,
    exitCode: r.exit_code,
    applicationId: r.application_id,
    message: r.message,
    process: r.process ? (JSON.parse(r.process) as TaskHandle) : null,
    createdAt: r.created_at,
    endedAt: r.ended_at,
  };
}

export type JobPatch = Partial<
  Pick<JobRecord, 'state' | 'exitCode' | 'applicationId' | 'message' | 'process' | 'endedAt'>
>;

/** Jobs submitted to services: what ran, how it ended, and the driver process while it runs. */
export function jobsStore(db: Db) {
  const insert = db.prepare(`
    INSERT INTO jobs (tenant, id, service, app, args, options, state, exit_code, application_id, message,
      process, created_at, ended_at)
    VALUES (@tenant, @id, @service, @app, @args, @options, @state, @exitCode, @applicationId, @message,
      @process, @createdAt, @endedAt)`);
  const one = db.prepare('SELECT * FROM jobs WHERE tenant = ? AND id = ?');
  const byService = db.prepare('SELECT * FROM jobs WHERE tenant = ? AND service = ? ORDER BY created_at, id');
  const running = db.prepare("SELECT * FROM jobs WHERE state = 'running' ORDER BY created_at, id");
  return {
    create(job: Omit<JobRecord, 'createdAt' | 'endedAt'>, now: number): JobRecord {
      const options: JobOptions = {
        mainClass: job.mainClass,
        conf: job.conf,
        connectors: job.connectors,
        jars: job.jars,
      };
      insert.run({
        tenant: job.tenant,
        id: job.id,
        service: job.service,
        app: job.app,
        args: JSON.stringify(job.args),
        options: JSON.stringify(options),
        state: job.state,
        exitCode: job.exitCode,
        applicationId: job.applicationId,
        message: job.message,
        process: job.process ? JSON.stringify(job.process) : null,
        createdAt: now,
        endedAt: null,
      });
      return { ...job, createdAt: now, endedAt: null };
    },
    get(tenant: string, id: string): JobRecord | null {
      const row = one.get(tenant, id) as JobRow | undefined;
      return row ? fromRow(row) : null;
    },
    list(tenant: string, service: string): JobRecord[] {
      return (byService.all(tenant, service) as JobRow[]).map(fromRow);
    },
    /** Every tenant's running jobs: what a starting daemon must adopt or settle. */
    listRunning(): JobRecord[] {
      return (running.all() as JobRow[]).map(fromRow);
    },
    update(tenant: string, id: string, patch: JobPatch): void {
      const columns: Record<keyof JobPatch, string> = {
        state: 'state',
        exitCode: 'exit_code',
        applicationId: 'application_id',
        message: 'message',
        process: 'process',
        endedAt: 'ended_at',
      };
      const keys = Object.keys(patch) as (keyof JobPatch)[];
      if (keys.length === 0) return;
      const sets = keys.map((k) => `${columns[k]} = @${k}`).join(', ');
      const values: Record<string, unknown> = { tenant, id };
      for (const k of keys) {
        const v = patch[k];
        values[k] = k === 'process' ? (v ? JSON.stringify(v) : null) : (v ?? null);
      }
      db.prepare(`UPDATE jobs SET ${sets} WHERE tenant = @tenant AND id = @id`).run(values);
    },
  };
}
