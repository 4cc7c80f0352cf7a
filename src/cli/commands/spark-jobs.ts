import type { Command } from 'commander';
import { context } from '../context.js';
import { age, printTable, truncate } from '../output.js';
import { wholeNumber } from '../options.js';
import { jobOutcome } from './spark-submit.js';

export function registerSparkJobs(spark: Command): void {
  spark
    .command('jobs')
    .description("a Spark service's jobs, oldest first, and your data folder")
    .argument('<service>', 'the spark service')
    .action(async (service: string, _opts, cmd: Command) => {
      const ctx = context(cmd);
      ctx.emit(await (await ctx.client()).listJobs(service), (l) => {
        console.log(`data folder: ${l.dataDir}`);
        printTable(
          ['job', 'state', 'exit', 'application', 'app', 'args', 'age', 'message'],
          l.jobs.map((j) => [
            j.id,
            j.state,
            j.exitCode === null ? '-' : String(j.exitCode),
            j.applicationId ?? '-',
            j.app.startsWith(`${l.dataDir}/`) ? j.app.slice(l.dataDir.length + 1) : j.app,
            truncate(j.args.join(' ') || '-', 40),
            age(j.createdAt),
            truncate(j.message ?? '', 60),
          ]),
        );
      });
    });

  spark
    .command('logs')
    .description("a job's driver output (stdout and stderr)")
    .argument('<service>', 'the spark service')
    .argument('<job>', 'the job id')
    .option('-f, --follow', 'keep printing until the job ends')
    .option('--tail <lines>', 'only the last lines (the daemon sends 200 by default)', wholeNumber)
    .action(async (service: string, id: string, opts: { follow?: boolean; tail?: number }, cmd: Command) => {
      const ctx = context(cmd);
      const client = await ctx.client();
      const query = opts.tail === undefined ? {} : { tail: opts.tail };
      if (!opts.follow) {
        process.stdout.write((await client.jobLogs(service, id, query)) ?? '');
        return;
      }
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      try {
        await client.followJobLogs(service, id, query, (text) => process.stdout.write(text), stop.signal);
      } finally {
        process.off('SIGINT', onSignal);
      }
    });

  spark
    .command('kill')
    .description('stop a running job (SIGTERM to its driver, SIGKILL after the grace period)')
    .argument('<service>', 'the spark service')
    .argument('<job>', 'the job id')
    .option('--grace <seconds>', 'seconds between SIGTERM and SIGKILL (default 10)', wholeNumber)
    .action(async (service: string, id: string, opts: { grace?: number }, cmd: Command) => {
      const ctx = context(cmd);
      const job = await (await ctx.client()).killJob(service, id, opts.grace);
      ctx.emit(job, (j) => console.log(jobOutcome(j)));
    });
}
