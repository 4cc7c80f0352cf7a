import type { PlanView } from '../core/deploy-schemas.js';

const MARK: Record<string, string> = {
  create: '+',
  update: '~',
  restart: '~',
  unchanged: '=',
  keep: '=',
  remove: '-',
  wait: '!',
};

/** A deploy plan as `up --dry-run` prints it: one line per owner, then one per task, marked as in a diff. */
export function planLines(plan: PlanView): string[] {
  const count = (a: string) => plan.owners.filter((o) => o.action === a).length;
  const lines = [
    `${plan.stack === null ? 'plan' : `stack ${plan.stack}`}: ${count('create')} to create, ` +
      `${count('update')} to change, ${count('remove')} to remove, ${count('unchanged')} unchanged, ` +
      `${count('wait')} to wait (nothing was started or written)`,
  ];
  for (const o of plan.owners) {
    const why =
      o.action === 'wait'
        ? `: waits: ${o.reason ?? ''}`
        : o.changes.length > 0
          ? `: ${o.changes.join(', ')}`
          : '';
    const name = o.written ? `${o.name} "${o.written}"` : o.name;
    lines.push(`${MARK[o.action]} ${name} (${o.kind}) ${o.action}${why}`);
    for (const t of o.tasks) {
      const at = `${t.node} ${t.host}${t.ports.length > 0 ? `:${t.ports.join(',')}` : ''}`;
      const changed = t.changes.length > 0 ? `: ${t.changes.join(', ')}` : '';
      lines.push(`    ${MARK[t.action]} ${t.id}  ${at}  ${t.action}${changed}`);
    }
  }
  return lines;
}
