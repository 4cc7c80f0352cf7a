import type { AppSpec } from '../core/app.js';
import { Revision } from './revision.js';
import type { Declaration, ServiceEntry } from '../core/declaration.js';
import type { OwnerKind } from '../core/task.js';
import type { Db } from './db.js';

/**
 * Why a queued owner waits: what the scheduler said, a dependency that waits itself, or an error
 * met when it was admitted (kept until the declaration changes or capacity frees again).
 */
export type QueueReasonKind = 'quota' | 'resources' | 'constraints' | 'dependency' | 'error';

/** A service or app the scheduler has not admitted yet, with its declaration, to deploy once it fits. */
export interface QueueEntry {
  tenant: string;
  owner: string;
  stack: string | null;
  declaration: Declaration;
  reasonKind: QueueReasonKind;
  reason: string;
  since: number;
}

interface QueueRow {
  tenant: string;
  owner: string;
  kind: OwnerKind;
  stack: string | null;
  entry: string;
  reason_kind: QueueReasonKind;
  reason: string;
  since: number;
}

function fromRow(r: QueueRow): QueueEntry {
  return {
    tenant: r.tenant,
    owner: r.owner,
    stack: r.stack,
    declaration:
      r.kind === 'service'
        ? { kind: 'service', service: JSON.parse(r.entry) as ServiceEntry }
        : { kind: 'app', app: JSON.parse(r.entry) as AppSpec },
    reasonKind: r.reason_kind,
    reason: r.reason,
    since: r.since,
  };
}

export function queueStore(db: Db, revision = new Revision()) {
  const all = db.prepare('SELECT * FROM queue ORDER BY since, tenant, owner');
  const byTenant = db.prepare('SELECT * FROM queue WHERE tenant = ? ORDER BY since, owner');
  const one = db.prepare('SELECT * FROM queue WHERE tenant = ? AND owner = ?');
  // A re-queued owner keeps its place in the line (`since`), with its newest declaration and reason.
  const upsert = db.prepare(`
    INSERT INTO queue (tenant, owner, kind, stack, entry, reason_kind, reason, since)
    VALUES (@tenant, @owner, @kind, @stack, @entry, @reasonKind, @reason, @since)
    ON CONFLICT (tenant, owner) DO UPDATE SET kind = excluded.kind, stack = excluded.stack,
      entry = excluded.entry, reason_kind = excluded.reason_kind, reason = excluded.reason`);
  const del = db.prepare('DELETE FROM queue WHERE tenant = ? AND owner = ?');
  return {
    listAll(): QueueEntry[] {
      return (all.all() as QueueRow[]).map(fromRow);
    },
    list(tenant: string): QueueEntry[] {
      return (byTenant.all(tenant) as QueueRow[]).map(fromRow);
    },
    get(tenant: string, owner: string): QueueEntry | null {
      const row = one.get(tenant, owner) as QueueRow | undefined;
      return row ? fromRow(row) : null;
    },
    put(e: QueueEntry): void {
      revision.bump();
      const { declaration: d, ...rest } = e;
      upsert.run({ ...rest, kind: d.kind, entry: JSON.stringify(d.kind === 'service' ? d.service : d.app) });
    },
    remove(tenant: string, owner: string): void {
      revision.bump();
      del.run(tenant, owner);
    },
  };
}
