/**
 * Schema migrations, applied in order inside one transaction each. Never edit a shipped migration:
 * add a new one. Every row is scoped by tenant.
 */
export const MIGRATIONS: string[] = [
  `
  CREATE TABLE stacks (
    tenant TEXT NOT NULL, name TEXT NOT NULL, source TEXT NOT NULL,
    services TEXT NOT NULL, apps TEXT NOT NULL,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
    PRIMARY KEY (tenant, name)
  );
  CREATE TABLE services (
    tenant TEXT NOT NULL, name TEXT NOT NULL, package TEXT NOT NULL, version TEXT NOT NULL,
    options TEXT NOT NULL, stack TEXT, dependencies TEXT NOT NULL,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
    PRIMARY KEY (tenant, name)
  );
  CREATE TABLE apps (
    tenant TEXT NOT NULL, id TEXT NOT NULL, spec TEXT NOT NULL, stack TEXT,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
    PRIMARY KEY (tenant, id)
  );
  CREATE TABLE tasks (
    tenant TEXT NOT NULL, id TEXT NOT NULL,
    owner_kind TEXT NOT NULL, owner TEXT NOT NULL, name TEXT NOT NULL, role TEXT NOT NULL, idx INTEGER NOT NULL,
    stack TEXT, node_id TEXT NOT NULL, host TEXT NOT NULL, ports TEXT NOT NULL,
    spec TEXT NOT NULL, spec_hash TEXT NOT NULL, desired TEXT NOT NULL, state TEXT NOT NULL,
    handle TEXT, launched_spec_hash TEXT, exit_code INTEGER, exit_signal TEXT, message TEXT,
    restarts INTEGER NOT NULL DEFAULT 0, launches INTEGER NOT NULL DEFAULT 0, next_launch_at INTEGER,
    health_failures INTEGER NOT NULL DEFAULT 0, state_since INTEGER NOT NULL,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
    PRIMARY KEY (tenant, id)
  );
  CREATE INDEX tasks_by_owner ON tasks (tenant, owner);
  CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, tenant TEXT NOT NULL, at INTEGER NOT NULL,
    type TEXT NOT NULL, subject TEXT NOT NULL, data TEXT NOT NULL
  );
  `,
  // A service's own persistent facts (e.g. a KRaft cluster id), kept across deploys.
  `ALTER TABLE services ADD COLUMN state TEXT NOT NULL DEFAULT '{}';`,
  // Tenants with their DRF weight and quota; API tokens (a hash of the secret only); the queue of
  // services and apps waiting for the scheduler to admit them.
  `
  CREATE TABLE tenants (
    name TEXT PRIMARY KEY, weight REAL NOT NULL DEFAULT 1, quota TEXT,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
  );
  CREATE TABLE tokens (
    id TEXT PRIMARY KEY, tenant TEXT NOT NULL, role TEXT NOT NULL, name TEXT NOT NULL, hash TEXT NOT NULL,
    created_at INTEGER NOT NULL, revoked_at INTEGER, last_used_at INTEGER
  );
  CREATE INDEX tokens_by_tenant ON tokens (tenant);
  CREATE TABLE queue (
    tenant TEXT NOT NULL, owner TEXT NOT NULL, kind TEXT NOT NULL, stack TEXT, entry TEXT NOT NULL,
    reason_kind TEXT NOT NULL, reason TEXT NOT NULL, since INTEGER NOT NULL,
    PRIMARY KEY (tenant, owner)
  );
  `,
  // Metering: what each task held (cpus, mem MB, disk MB) from when it was wanted running until it
  // no longer was; end_at is NULL while the interval is open. At most one open interval per task.
  // Tasks already wanted running start being metered when this migration runs: nothing is known
  // about them before, and billing what was never measured would be worse than billing nothing.
  `
  CREATE TABLE usage_intervals (
    id INTEGER PRIMARY KEY AUTOINCREMENT, tenant TEXT NOT NULL, owner_kind TEXT NOT NULL,
    owner TEXT NOT NULL, task_id TEXT NOT NULL, cpus REAL NOT NULL, mem REAL NOT NULL, disk REAL NOT NULL,
    start_at INTEGER NOT NULL, end_at INTEGER
  );
  CREATE INDEX usage_by_tenant ON usage_intervals (tenant, start_at, end_at);
  CREATE UNIQUE INDEX usage_open_by_task ON usage_intervals (tenant, task_id) WHERE end_at IS NULL;
  INSERT INTO usage_intervals (tenant, owner_kind, owner, task_id, cpus, mem, disk, start_at)
    SELECT tenant, owner_kind, owner, id, COALESCE(json_extract(spec, '$.cpus'), 0),
      COALESCE(json_extract(spec, '$.mem'), 0), COALESCE(json_extract(spec, '$.disk'), 0), CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
    FROM tasks WHERE desired = 'running';
  `,
  // Operation plans of services (replace a node, repair, scale): where each step is, so a plan
  // survives a daemon restart and `continue` resumes it.
  `
  CREATE TABLE plans (
    tenant TEXT NOT NULL, service TEXT NOT NULL, name TEXT NOT NULL, state TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (tenant, service, name)
  );
  `,
  // Jobs submitted to services (Spark applications): what ran, how it ended, and while it runs the
  // driver's process (pid, start time, boot id) so that a restarted daemon can adopt it.
  `
  CREATE TABLE jobs (
    tenant TEXT NOT NULL, id TEXT NOT NULL, service TEXT NOT NULL, app TEXT NOT NULL,
    args TEXT NOT NULL, options TEXT NOT NULL, state TEXT NOT NULL,
    exit_code INTEGER, application_id TEXT, message TEXT, process TEXT,
    created_at INTEGER NOT NULL, ended_at INTEGER,
    PRIMARY KEY (tenant, id)
  );
  CREATE INDEX jobs_by_service ON jobs (tenant, service, created_at);
  `,
  // A rolling restart asked for a task (`app restart`): the supervisor replaces it while it runs, and
  // its next launch clears the flag. It replaces the 'restart' value once written into
  // launched_spec_hash for the same purpose; a restart still pending when this migration runs is kept.
  `
  ALTER TABLE tasks ADD COLUMN restart_requested INTEGER NOT NULL DEFAULT 0;
  UPDATE tasks SET restart_requested = 1, launched_spec_hash = spec_hash WHERE launched_spec_hash = 'restart';
  `,
  // A package's post-ready step (Kafka's declared topics) as part of its service's status.
  `
  ALTER TABLE services ADD COLUMN after_ready TEXT;
  `,
  // Services a tenant shares with another tenant: that tenant's tasks may connect to their ports.
  `
  CREATE TABLE shares (
    tenant TEXT NOT NULL, service TEXT NOT NULL, with_tenant TEXT NOT NULL, created_at INTEGER NOT NULL,
    PRIMARY KEY (tenant, service, with_tenant)
  );
  CREATE INDEX shares_to ON shares (with_tenant);
  `,
  // Faults injected by the failure lab: kept so that a daemon killed mid-fault heals it when it starts.
  `
  CREATE TABLE faults (
    tenant TEXT NOT NULL, id TEXT NOT NULL, state TEXT NOT NULL, record TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (tenant, id)
  );
  CREATE INDEX faults_active ON faults (state);
  `,
  // A stack file's startOrder (auto, parallel, serial); null: the daemon's default.
  `
  ALTER TABLE stacks ADD COLUMN start_order TEXT;
  `,
];
