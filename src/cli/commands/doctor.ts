import type { Command } from 'commander';
import { context } from '../context.js';
import { doctorLines } from '../format.js';

/** `flotilla doctor`: what this machine lacks for the catalog, and the fix for each problem. */
export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check Java, system programs and artifact repositories; print the fix for each problem')
    .action(async (_opts, cmd: Command) => {
      const ctx = context(cmd);
      const report = await (await ctx.client()).doctor();
      ctx.emit(report, (r) => process.stdout.write(`${doctorLines(r).join('\n')}\n`));
      if (!report.ok) process.exitCode = 1;
    });
}
