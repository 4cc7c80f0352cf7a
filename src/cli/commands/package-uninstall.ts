import type { Command } from 'commander';
import { context } from '../context.js';

export function registerPackageUninstall(pkg: Command): void {
  pkg
    .command('uninstall')
    .description('remove a service: stop its tasks and forget it')
    .argument('<service>', 'the service')
    .option('--purge', "also delete its tasks' data")
    .action(async (service: string, opts: { purge?: boolean }, cmd: Command) => {
      const ctx = context(cmd);
      await (await ctx.client()).uninstallService(service, opts.purge === true);
      ctx.emit({ removed: service, purged: opts.purge === true }, () =>
        process.stdout.write(`removed service ${service}${opts.purge ? ' and its data' : ''}\n`),
      );
    });
}
