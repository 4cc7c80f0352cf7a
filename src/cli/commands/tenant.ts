import type { Command } from 'commander';
import type { TenantView } from '../../core/tenant-schemas.js';
import type { Quota } from '../../core/tenant.js';
import { FlotillaError } from '../../core/errors.js';
import { context } from '../context.js';
import { printFields, printTable } from '../output.js';

/** "cpus=8,mem=16384" → {cpus: 8, mem: 16384}; "none" → null (no quota). */
export function parseQuota(text: string): Quota | null {
  if (text === 'none') return null;
  const quota: Quota = {};
  for (const part of text.split(',')) {
    const [key, value] = part.split('=');
    const n = Number(value);
    if ((key !== 'cpus' && key !== 'mem' && key !== 'disk') || value === undefined || !(n >= 0)) {
      throw new FlotillaError(
        'VALIDATION_FAILED',
        `--quota ${text}: write cpus=N,mem=MB,disk=MB (any of them), or none`,
      );
    }
    quota[key] = n;
  }
  return quota;
}

function positive(text: string): number {
  const n = Number(text);
  if (!(n > 0)) throw new FlotillaError('VALIDATION_FAILED', `--weight ${text}: give a number above 0`);
  return n;
}

function quotaText(q: Quota | null): string {
  if (!q) return 'none';
  return Object.entries(q)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

function tenantFields(t: TenantView): [string, string][] {
  const a = t.allocated;
  return [
    ['name', t.name],
    ['weight', String(t.weight)],
    ['quota', quotaText(t.quota)],
    ['allocated', `cpus=${a.cpus} mem=${a.mem} MB disk=${a.disk} MB`],
    ['dominant share', t.dominantShare.toFixed(3)],
    ['dns', t.dns ?? '-'],
    ['created', t.createdAt],
  ];
}

/** `flotilla tenant list|show|create|set|remove`: tenants, their weights and quotas (cluster admins). */
export function registerTenantCommands(tenant: Command): void {
  tenant
    .command('list')
    .description('every tenant with its weight, quota and allocation')
    .action(async (_opts, cmd: Command) => {
      const ctx = context(cmd);
      ctx.emit(await (await ctx.client()).listTenants(), (ts) => {
        printTable(
          ['NAME', 'WEIGHT', 'QUOTA', 'CPUS', 'MEM', 'SHARE', 'USER'],
          ts.map((t) => [
            t.name,
            String(t.weight),
            quotaText(t.quota),
            String(t.allocated.cpus),
            `${t.allocated.mem} MB`,
            t.dominantShare.toFixed(3),
            t.user ?? '-',
          ]),
        );
        if (ts.some((t) => t.user === null))
          process.stdout.write(
            "isolation: none — every tenant's tasks run as the daemon's user (`flotilla doctor --security`)\n",
          );
      });
    });
  tenant
    .command('show')
    .description('one tenant')
    .argument('<name>', 'the tenant')
    .action(async (name: string, _opts, cmd: Command) => {
      const ctx = context(cmd);
      ctx.emit(await (await ctx.client()).getTenant(name), (t) => printFields(tenantFields(t)));
    });
  tenant
    .command('create')
    .description('create a tenant; then mint its first token with `flotilla token create --tenant <name>`')
    .argument('<name>', 'lowercase letters, digits and dashes')
    .option('--weight <n>', 'DRF weight (default 1)', positive)
    .option('--quota <limits>', 'cpus=N,mem=MB,disk=MB', parseQuota)
    .action(async (name: string, opts: { weight?: number; quota?: Quota | null }, cmd: Command) => {
      const ctx = context(cmd);
      const t = await (await ctx.client()).createTenant({ name, ...opts });
      ctx.emit(t, (v) => printFields(tenantFields(v)));
    });
  tenant
    .command('set')
    .description("change a tenant's weight or quota")
    .argument('<name>', 'the tenant')
    .option('--weight <n>', 'DRF weight', positive)
    .option('--quota <limits>', 'cpus=N,mem=MB,disk=MB, or none to remove the quota', parseQuota)
    .action(async (name: string, opts: { weight?: number; quota?: Quota | null }, cmd: Command) => {
      const ctx = context(cmd);
      const t = await (await ctx.client()).updateTenant(name, opts);
      ctx.emit(t, (v) => printFields(tenantFields(v)));
    });
  tenant
    .command('remove')
    .description('remove an empty tenant and revoke its tokens')
    .argument('<name>', 'the tenant')
    .action(async (name: string, _opts, cmd: Command) => {
      const ctx = context(cmd);
      await (await ctx.client()).removeTenant(name);
      ctx.emit({ removed: name }, () => console.log(`removed tenant ${name}`));
    });
}
