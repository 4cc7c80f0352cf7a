import type { Command } from 'commander';
import type { PlanView } from '../../core/plan-schemas.js';
import { FlotillaError } from '../../core/errors.js';
import { context } from '../context.js';
import { printTable } from '../output.js';

/** A plan with its phases and steps, as `plan show` prints it. */
export function printPlan(p: PlanView): void {
  const params = Object.entries(p.parameters).map(([k, v]) => `${k}=${v}`);
  console.log(`${p.name}: ${p.status}${params.length > 0 ? ` (${params.join(', ')})` : ''}`);
  printTable(
    ['PHASE', 'STEP', 'STATUS', 'MESSAGE'],
    p.phases.flatMap((ph) => ph.steps.map((s) => [ph.name, s.name, s.status, s.message || '-'])),
  );
  for (const e of p.errors) console.log(`error: ${e}`);
}

/** key=value pairs, repeatable: --parameter node=cassandra-1 */
function parameter(text: string, previous: Record<string, string> = {}): Record<string, string> {
  const i = text.indexOf('=');
  if (i <= 0) throw new FlotillaError('VALIDATION_FAILED', `--parameter ${text}: write key=value`);
  return { ...previous, [text.slice(0, i)]: text.slice(i + 1) };
}

/** `flotilla plan …`: a service's plans (deploy, recovery, and its package's day-2 operations). */
export function registerPlanCommands(plan: Command): void {
  plan
    .command('list')
    .description("a service's plans and the operations its package offers")
    .argument('<service>', 'the service')
    .action(async (service: string, _opts, cmd: Command) => {
      const ctx = context(cmd);
      ctx.emit(await (await ctx.client()).listPlans(service), (l) => {
        printTable(
          ['PLAN', 'STATUS'],
          l.plans.map((p) => [p.name, p.status]),
        );
        for (const op of l.operations) {
          const params = Object.entries(op.parameters).map(([k, v]) => (v.required ? k : `[${k}]`));
          console.log(
            `operation ${op.name}${params.length ? ` ${params.join(' ')}` : ''}: ${op.description}`,
          );
        }
      });
    });
  plan
    .command('show')
    .description('one plan with its phases and steps')
    .argument('<service>', 'the service')
    .argument('<plan>', 'deploy, recovery, or an operation')
    .action(async (service: string, name: string, _opts, cmd: Command) => {
      const ctx = context(cmd);
      ctx.emit(await (await ctx.client()).getPlan(service, name), printPlan);
    });
  plan
    .command('start')
    .description('start an operation plan')
    .argument('<service>', 'the service')
    .argument('<plan>', 'the operation, e.g. replace')
    .option('-p, --parameter <key=value>', 'a parameter (repeatable)', parameter)
    .action(
      async (service: string, name: string, opts: { parameter?: Record<string, string> }, cmd: Command) => {
        const ctx = context(cmd);
        ctx.emit(await (await ctx.client()).startPlan(service, name, opts.parameter ?? {}), printPlan);
      },
    );
  plan
    .command('stop')
    .description('interrupt a plan after its current step')
    .argument('<service>', 'the service')
    .argument('<plan>', 'the plan')
    .action(async (service: string, name: string, _opts, cmd: Command) => {
      const ctx = context(cmd);
      ctx.emit(await (await ctx.client()).stopPlan(service, name), printPlan);
    });
  plan
    .command('continue')
    .description('resume a stopped or failed plan')
    .argument('<service>', 'the service')
    .argument('<plan>', 'the plan')
    .action(async (service: string, name: string, _opts, cmd: Command) => {
      const ctx = context(cmd);
      ctx.emit(await (await ctx.client()).continuePlan(service, name), printPlan);
    });
}
