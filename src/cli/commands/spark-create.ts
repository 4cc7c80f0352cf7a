import type { Command } from 'commander';
import { FlotillaError, isFlotillaError } from '../../core/errors.js';
import { context } from '../context.js';
import { printTasks } from '../format.js';
import { positiveSeconds } from '../options.js';
import { printFields, printJson } from '../output.js';
import { waitError, waitForService } from '../wait.js';

interface CreateOptions {
  workers: number;
  workerCores?: number;
  workerMemory?: number;
  timeout: number;
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new FlotillaError('VALIDATION_FAILED', `expected a whole number >= 1, got "${value}"`);
  return n;
}

/**
 * Spark-as-a-Service in one step: install the spark package with that many workers, wait until the
 * master sees them all, print where to submit and where the data goes.
 */
export function registerSparkCreate(spark: Command): void {
  spark
    .command('create')
    .description('create a Spark cluster (a master and N workers), wait until ready, print its URLs')
    .argument('<name>', 'the service name')
    .option('--workers <n>', 'workers, one per node', positiveInteger, 2)
    .option('--worker-cores <n>', 'cores each worker offers', positiveInteger)
    .option('--worker-memory <mb>', 'memory each worker offers to executors, in MB', positiveInteger)
    .option('--timeout <seconds>', 'how long to wait for the cluster', positiveSeconds, 300)
    .action(async (name: string, opts: CreateOptions, cmd: Command) => {
      const ctx = context(cmd);
      const client = await ctx.client();
      const options = {
        workers: opts.workers,
        ...(opts.workerCores ? { workerCores: opts.workerCores } : {}),
        ...(opts.workerMemory ? { workerMemoryMb: opts.workerMemory } : {}),
      };
      try {
        await client.installService({ name, package: 'spark', options });
      } catch (err) {
        // Created before: a second `create` waits for it and prints it again, changing nothing.
        const existing =
          isFlotillaError(err) && err.code === 'NAME_CONFLICT' ? await client.getService(name) : null;
        if (!existing || existing.package !== 'spark') throw err;
        if (!ctx.json) process.stderr.write(`service ${name} exists already; its options are unchanged\n`);
      }
      const { service, verdict } = await waitForService(client, name, opts.timeout * 1000);
      if (verdict.kind !== 'ready') {
        if (!ctx.json) printTasks(service.tasks);
        throw waitError(`spark ${name}`, verdict, opts.timeout, service.status);
      }
      const values = Object.assign({}, ...service.endpoints.map((e) => e.values)) as Record<string, string>;
      const { dataDir } = await client.listJobs(name);
      const ready = {
        service: name,
        masterUrl: values.masterUrl ?? '',
        masterUi: values.masterUi ?? '',
        workerUis: (values.workerUis ?? '').split(',').filter(Boolean),
        dataDir,
      };
      if (ctx.json) return printJson(ready);
      console.log(`spark ${name} is ready: a master and ${ready.workerUis.length} workers\n`);
      printFields([
        ['master', ready.masterUrl],
        ['master UI', ready.masterUi],
        ['worker UIs', ready.workerUis.join(' ')],
        ['data folder', dataDir],
      ]);
      console.log(
        `\nput your application and its data in the data folder, then:\n` +
          `  flotilla spark submit ${name} ${dataDir}/app.py [args…]`,
      );
    });
}
