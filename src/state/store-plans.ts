import type { PlanState } from '../core/plan.js';
import type { Db } from './db.js';

/** Operation plans as they last were: status of each phase and step, parameters, errors. */
export function plansStore(db: Db) {
  const byService = db.prepare('SELECT state FROM plans WHERE tenant = ? AND service = ? ORDER BY name');
  const all = db.prepare('SELECT tenant, service, state FROM plans');
  const one = db.prepare('SELECT state FROM plans WHERE tenant = ? AND service = ? AND name = ?');
  const upsert = db.prepare(`
    INSERT INTO plans (tenant, service, name, state, updated_at) VALUES (@tenant, @service, @name, @state, @now)
    ON CONFLICT (tenant, service, name) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`);
  const delService = db.prepare('DELETE FROM plans WHERE tenant = ? AND service = ?');
  const parse = (row: unknown) => JSON.parse((row as { state: string }).state) as PlanState;
  return {
    list(tenant: string, service: string): PlanState[] {
      return byService.all(tenant, service).map(parse);
    },
    listAll(): { tenant: string; service: string; plan: PlanState }[] {
      return (all.all() as { tenant: string; service: string; state: string }[]).map((r) => ({
        tenant: r.tenant,
        service: r.service,
        plan: parse(r),
      }));
    },
    get(tenant: string, service: string, name: string): PlanState | null {
      const row = one.get(tenant, service, name);
      return row ? parse(row) : null;
    },
    put(tenant: string, service: string, plan: PlanState, now: number): void {
      upsert.run({ tenant, service, name: plan.name, state: JSON.stringify(plan), now });
    },
    removeService(tenant: string, service: string): void {
      delService.run(tenant, service);
    },
  };
}
