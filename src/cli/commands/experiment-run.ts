import type { Command } from 'commander';
import fs from 'node:fs';
import path from 'node:path';
import { FlotillaError } from '../../core/errors.js';
import { pathsFor } from '../../core/paths.js';
import { readYaml } from '../../core/yaml-text.js';
import { parseExperiment } from '../../lab/experiment.js';
import { context } from '../context.js';
import { readLimited } from '../stack-file.js';

/** `flotilla experiment run exp.yml`: a live timeline, a report folder, exit 0 only if every checker passed. */
export function registerExperimentRun(experiment: Command): void {
  experiment
    .command('run')
    .description('run an experiment: stack, workload, fault schedule, checkers (docs/failure-lab.md)')
    .argument('<file>', 'the experiment file (YAML)')
    .option('--out <dir>', 'the report folder (default: reports/<name>-<time>)')
    .action(async (file: string, o: { out?: string }, cmd: Command) => {
      const ctx = context(cmd);
      const text = readLimited(file, 'experiment file');
      const e = parseExperiment(
        readYaml(text, { what: `the experiment file ${file}`, code: 'EXPERIMENT_INVALID' }),
      );
      const client = await ctx.client();
      const out =
        o.out ?? path.join('reports', `${e.name}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
      const waitReady = async (stack: string) => {
        const deadline = Date.now() + 300_000;
        for (;;) {
          const s = await client.getStack(stack);
          if (s.status === 'ready') return;
          if (Date.now() > deadline)
            throw new FlotillaError('SERVICE_NOT_READY', `stack ${stack} is ${s.status}: ${s.message ?? ''}`);
          await new Promise((r) => setTimeout(r, 500));
        }
      };
      process.stderr.write(`experiment ${e.name}: ${e.durationS} s, report in ${out}\n`);
      // Loaded here, not with the CLI: the workloads' clients (the Cassandra driver, the artifact
      // cache's unzip) would cost every other command about 100 ms of start.
      const { runExperiment } = await import('../../lab/run.js');
      const report = await runExperiment(client, e, {
        directory: path.dirname(path.resolve(file)),
        out,
        print: (line) => process.stderr.write(`${line}\n`),
        readFile: (f) => fs.readFileSync(f, 'utf8'),
        waitReady,
        // The daemon's cache (same home, same FLOTILLA_ARTIFACTS): the Kafka workload's client jars.
        artifactsDir: process.env.FLOTILLA_ARTIFACTS
          ? path.resolve(process.env.FLOTILLA_ARTIFACTS)
          : pathsFor(ctx.home).artifacts,
      });
      ctx.emit(report, (r) => {
        for (const c of r.checkers)
          process.stdout.write(`${c.valid ? 'PASS' : 'FAIL'}  ${c.kind}  ${JSON.stringify(c.figures)}\n`);
        process.stdout.write(`${r.valid ? 'PASS' : 'FAIL'}: ${path.join(out, 'report.html')}\n`);
      });
      if (!report.valid) process.exitCode = 1;
    });
}
