import type { Command } from 'commander';
import { context } from '../context.js';
import { wholeNumber } from '../options.js';

interface LogsOptions {
  follow?: boolean;
  stderr?: boolean;
  tail?: number;
}

export function registerTaskLogs(program: Command): void {
  program
    .command('logs')
    .description("print a task's output")
    .argument('<task>', 'the task, e.g. cache.redis-0')
    .option('-f, --follow', 'keep printing what the task writes, until Ctrl-C')
    .option('--stderr', 'its stderr instead of its stdout')
    .option('--tail <lines>', 'only the last lines (the daemon sends 200 by default)', wholeNumber)
    .action(async (task: string, opts: LogsOptions, cmd: Command) => {
      const ctx = context(cmd);
      const client = await ctx.client();
      const stream = opts.stderr ? 'stderr' : 'stdout';
      const query = { stream, ...(opts.tail === undefined ? {} : { tail: opts.tail }) } as const;
      if (!opts.follow) {
        // An empty log comes back as no body at all.
        const text = (await client.logs(task, query)) ?? '';
        if (ctx.json) process.stdout.write(`${JSON.stringify({ task, stream, text })}\n`);
        else process.stdout.write(text);
        return;
      }
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        // Under --json, one JSON line per chunk: a consumer can parse the stream as it comes.
        await client.followLogs(
          task,
          query,
          (text) => process.stdout.write(ctx.json ? `${JSON.stringify({ task, stream, text })}\n` : text),
          stop.signal,
        );
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
