import type { Command } from 'commander';
import type { JobSubmitBody, JobView } from '../../core/job-schemas.js';
import { FlotillaError } from '../../core/errors.js';
import { context } from '../context.js';
import { printJson } from '../output.js';

interface SubmitOptions {
  class?: string;
  conf?: Record<string, string>;
  connector?: string[];
  jars?: string;
  detach?: boolean;
}

/** --conf key=value, repeatable. */
export function confPair(text: string, previous: Record<string, string> = {}): Record<string, string> {
  const i = text.indexOf('=');
  if (i <= 0)
    throw new FlotillaError(
      'VALIDATION_FAILED',
      `--conf ${text}: write key=value, e.g. spark.executor.memory=512m`,
    );
  return { ...previous, [text.slice(0, i)]: text.slice(i + 1) };
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** How a job ended, for the line the CLI prints last. */
export function jobOutcome(j: JobView): string {
  const app = j.applicationId ? ` (${j.applicationId})` : '';
  const code = j.exitCode === null ? '' : `, exit code ${j.exitCode}`;
  return `job ${j.id} ${j.state}${app}${code}${j.message ? `: ${j.message}` : ''}`;
}

/** The CLI's exit code for an ended job: the driver's own, as spark-submit's would be. */
export function jobExitCode(j: JobView): number {
  if (j.exitCode !== null) return j.exitCode;
  return j.state === 'finished' ? 0 : 1;
}

export function registerSparkSubmit(spark: Command): void {
  spark
    .command('submit')
    .description(
      "run a .py or .jar from your data folder on a Spark service, streaming the driver's output; " +
        "exits with the job's exit code (application arguments that start with - go after --)",
    )
    .argument('<service>', 'the spark service')
    .argument('<app>', 'the application, in your data folder (a relative path is taken from there)')
    .argument('[args...]', "the application's arguments")
    .option('--class <class>', 'main class of a .jar')
    .option('--conf <key=value>', 'a Spark property (repeatable)', confPair)
    .option(
      '--connector <name>',
      'a pinned connector for driver and executors, e.g. kafka (repeatable)',
      collect,
    )
    .option('--jars <jars>', 'more jars from your data folder, comma-separated')
    .option('-d, --detach', 'print the job id and return; the job runs on')
    .action(async (service: string, app: string, args: string[], opts: SubmitOptions, cmd: Command) => {
      const ctx = context(cmd);
      const client = await ctx.client();
      const body: JobSubmitBody = {
        app,
        args,
        ...(opts.class ? { class: opts.class } : {}),
        ...(opts.conf ? { conf: opts.conf } : {}),
        ...(opts.connector ? { connectors: opts.connector } : {}),
        ...(opts.jars ? { jars: opts.jars.split(',').filter(Boolean) } : {}),
      };
      const job = await client.submitJob(service, body);
      if (opts.detach) {
        ctx.emit(job, (j) =>
          console.log(`job ${j.id} ${j.state}; \`flotilla spark logs ${service} ${j.id} -f\``),
        );
        return;
      }
      if (!ctx.json) process.stderr.write(`job ${job.id} submitted to ${service}\n`);
      // Ctrl-C stops the job, as it stops spark-submit in client mode; a second one leaves it running.
      const leave = new AbortController();
      let interrupted = false;
      const onSignal = () => {
        if (interrupted) return leave.abort();
        interrupted = true;
        process.stderr.write(`\nstopping job ${job.id} (Ctrl-C again to leave it running)\n`);
        client.killJob(service, job.id).catch(() => undefined);
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        // Under --json the driver's output goes to stderr: stdout is for the job's final view.
        const out = ctx.json ? process.stderr : process.stdout;
        await client.followJobLogs(
          service,
          job.id,
          { tail: 100_000 },
          (text) => out.write(text),
          leave.signal,
        );
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      if (leave.signal.aborted) {
        process.stderr.write(`left job ${job.id} running\n`);
        return;
      }
      const ended = await client.getJob(service, job.id);
      if (ctx.json) printJson(ended);
      else process.stderr.write(`${jobOutcome(ended)}\n`);
      process.exitCode = jobExitCode(ended);
    });
}
