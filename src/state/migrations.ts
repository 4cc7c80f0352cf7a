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
];
