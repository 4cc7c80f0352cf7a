import type { Db } from './db.js';

export interface EventRecord {
  seq: number;
  tenant: string;
  at: number;
  type: string;
  subject: string;
  data: Record<string, unknown>;
}

/** The event log behind /v1/events: kept bounded so a long-lived daemon does not grow without end. */
export function eventsStore(db: Db, keep = 10_000) {
  const insert = db.prepare('INSERT INTO events (tenant, at, type, subject, data) VALUES (?, ?, ?, ?, ?)');
  const since = db.prepare('SELECT * FROM events WHERE tenant = ? AND seq > ? ORDER BY seq LIMIT ?');
  const trim = db.prepare('DELETE FROM events WHERE seq <= (SELECT MAX(seq) FROM events) - ?');
  let appended = 0;
  return {
    append(e: Omit<EventRecord, 'seq'>): EventRecord {
      const info = insert.run(e.tenant, e.at, e.type, e.subject, JSON.stringify(e.data));
      if (++appended % 500 === 0) trim.run(keep);
      return { ...e, seq: Number(info.lastInsertRowid) };
    },
    since(tenant: string, seq: number, limit = 1000): EventRecord[] {
      return (since.all(tenant, seq, limit) as (Omit<EventRecord, 'data'> & { data: string })[]).map((r) => ({
        ...r,
        data: JSON.parse(r.data) as Record<string, unknown>,
      }));
    },
  };
}

export type EventsStore = ReturnType<typeof eventsStore>;
