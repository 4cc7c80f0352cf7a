import type { Command } from 'commander';
import { context } from '../context.js';
import { FlotillaError } from '../../core/errors.js';
import { UsageError } from '../errors.js';
import { printDeployResult, TASK_HEADERS, taskRow } from '../format.js';
import { printJson, renderTable } from '../output.js';
import { readComposeRequest } from '../compose-files.js';
import { collect } from './stack-up.js';
import { waitForNoTasks } from '../wait.js';

const DOWN_TIMEOUT_MS = 60_000;

interface DownOptions {
  file: string[];
  purge?: boolean;
  wait: boolean;
}

export function registerStackDown(program: Command): void {
  program
    .command('down')
    .description('remove a stack: stop its tasks and forget its services and apps')
    .argument('[name]', 'the stack (default: the name `up -f <file>` gives it)')
    .option('-f, --file <file>', 'the stack file the stack came from (repeatable, as for up)', collect, [])
    .option('--purge', "also delete the tasks' data")
    .option('--no-wait', 'return without waiting for the tasks to stop')
    .action(async (positional: string | undefined, opts: DownOptions, cmd: Command) => {
      const ctx = context(cmd);
      const name = positional ?? stackOfFiles(opts.file);
      const client = await ctx.client();
      const result = await client.downStack(name, opts.purge === true);
      if (!opts.wait) {
        ctx.emit(result, printDeployResult);
        return;
      }
      if (!ctx.json) printDeployResult(result);
      const left = await waitForNoTasks(client, name, DOWN_TIMEOUT_MS);
      if (ctx.json) printJson({ ...result, tasksLeft: left });
      if (left.length === 0) {
        if (!ctx.json) process.stdout.write(`stack ${name} is down\n`);
        return;
      }
      process.stderr.write(
        `${renderTable(
          TASK_HEADERS,
          left.map((t) => taskRow(t)),
        )}\n`,
      );
      throw new FlotillaError(
        'WAIT_TIMEOUT',
        `${left.length} task(s) of stack ${name} still there after ${DOWN_TIMEOUT_MS / 1000} s`,
      );
    });
}

/** The stack the files name (as `up` would); without -f, the Compose file of this folder, if any. */
function stackOfFiles(file: string[]): string {
  try {
    return readComposeRequest({ file, profile: [], envFile: [] }).name;
  } catch (err) {
    if (file.length === 0 && err instanceof UsageError)
      throw new UsageError('name the stack, or give its file with -f');
    throw err;
  }
}
