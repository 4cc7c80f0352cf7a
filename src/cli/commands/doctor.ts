import type { Command } from 'commander';
import { context } from '../context.js';
import { doctorLines } from '../format.js';

/** `flotilla doctor`: what this machine lacks for the catalog, and the fix for each problem. */
export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check Java, system programs and artifact repositories; print the fix for each problem')
    .option('--security', "check how tenants are kept apart: their users, the home's modes, the firewall")
    .action(async (opts: { security?: boolean }, cmd: Command) => {
      const ctx = context(cmd);
      const report = await (await ctx.client()).doctor({ security: opts.security === true });
      ctx.emit(report, (r) => process.stdout.write(`${doctorLines(r).join('\n')}\n`));
      if (!report.ok) process.exitCode = 1;
    });
}
