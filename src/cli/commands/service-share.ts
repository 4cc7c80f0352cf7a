import type { Command } from 'commander';
import { context } from '../context.js';
import { printTable } from '../output.js';

/** `service share|unshare|shares`: a service's ports opened to another tenant's tasks, on purpose. */
export function registerServiceShare(service: Command): void {
  service
    .command('share')
    .description("let another tenant's tasks connect to a service's ports")
    .argument('<name>', 'the service')
    .requiredOption('--with <tenant>', 'the tenant to share it with')
    .action(async (name: string, opts: { with: string }, cmd: Command) => {
      const ctx = context(cmd);
      const share = await (await ctx.client()).shareService(name, opts.with);
      ctx.emit(share, (s) =>
        process.stdout.write(
          `shared ${s.service} with tenant ${s.with}: ${s.addresses.join(', ') || '(no task yet)'}\n`,
        ),
      );
    });
  service
    .command('unshare')
    .description('stop sharing a service with a tenant')
    .argument('<name>', 'the service')
    .requiredOption('--with <tenant>', 'the tenant it is shared with')
    .action(async (name: string, opts: { with: string }, cmd: Command) => {
      const ctx = context(cmd);
      await (await ctx.client()).unshareService(name, opts.with);
      ctx.emit({ service: name, with: opts.with, shared: false }, () =>
        process.stdout.write(`${name} is no longer shared with tenant ${opts.with}\n`),
      );
    });
  service
    .command('shares')
    .description('your services shared with other tenants, and theirs shared with you')
    .action(async (_opts, cmd: Command) => {
      const ctx = context(cmd);
      const shares = await (await ctx.client()).listShares();
      ctx.emit(shares, (v) => {
        const rows = [
          ...v.given.map((s) => ['gives', s.service, s.with, s.addresses.join(',')]),
          ...v.received.map((s) => ['gets', `${s.tenant}/${s.service}`, s.with, s.addresses.join(',')]),
        ];
        if (rows.length === 0) return void process.stdout.write('nothing shared\n');
        printTable(['DIRECTION', 'SERVICE', 'WITH', 'ADDRESSES'], rows);
      });
    });
}
