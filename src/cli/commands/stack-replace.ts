import type { Command } from 'commander';
import { FlotillaError } from '../../core/errors.js';
import { context } from '../context.js';
import { printDeployResult } from '../format.js';
import { positiveSeconds } from '../options.js';
import { printJson } from '../output.js';
import { readStackFile } from '../stack-file.js';
import { waitError, waitForNoTasks, waitForStack } from '../wait.js';

interface ReplaceOptions {
  file: string;
  purge?: boolean;
  wait?: boolean;
  timeout: number;
}

export function registerStackReplace(program: Command): void {
  program
    .command('replace')
    .description(
      "replace a stack by another stack file's: the old one's tasks stop while the new one's start",
    )
    .argument('<stack>', 'the stack to replace')
    .requiredOption('-f, --file <file>', 'the new stack file (its name: names the new stack)')
    .option('--purge', "also delete the old stack's data")
    .option('--wait', "wait until the new stack is ready and the old one's tasks are gone")
    .option('--timeout <seconds>', 'how long --wait waits', positiveSeconds, 300)
    .action(async (old: string, opts: ReplaceOptions, cmd: Command) => {
      const ctx = context(cmd);
      const { source, directory, variables } = readStackFile(opts.file);
      const client = await ctx.client();
      const result = await client.replaceStack(old, source, { directory, variables }, opts.purge === true);
      if (!opts.wait) {
        ctx.emit(result, printDeployResult);
        return;
      }
      if (!ctx.json) printDeployResult(result);
      const name = result.stack ?? old;
      const [{ stack, verdict }, left] = await Promise.all([
        waitForStack(client, name, opts.timeout * 1000),
        name === old ? Promise.resolve([]) : waitForNoTasks(client, old, opts.timeout * 1000),
      ]);
      if (ctx.json) printJson({ result, stack, oldTasksLeft: left });
      if (verdict.kind !== 'ready') throw waitError(`stack ${name}`, verdict, opts.timeout, stack.status);
      if (left.length > 0)
        throw new FlotillaError('WAIT_TIMEOUT', `${left.length} task(s) of stack ${old} still there`);
      if (!ctx.json) process.stdout.write(`stack ${old} is replaced by stack ${name}, which is ready\n`);
    });
}
