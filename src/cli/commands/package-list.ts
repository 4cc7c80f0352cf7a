import type { Command } from 'commander';
import { context } from '../context.js';
import { printTable } from '../output.js';

export function registerPackageList(pkg: Command): void {
  pkg
    .command('list')
    .description('list the packages of the catalog')
    .action(async (_opts, cmd: Command) => {
      const ctx = context(cmd);
      const packages = await (await ctx.client()).listPackages();
      ctx.emit(packages, (list) =>
        printTable(
          ['name', 'version', 'description'],
          list.map((p) => [p.name, p.version, p.description]),
        ),
      );
    });
}
