import type { Command } from 'commander';
import type { FlotillaClient } from '../../client/client.js';
import type { StackView } from '../../core/api-schemas.js';
import type { Endpoint } from '../../core/service.js';
import { context } from '../context.js';
import {
  ENDPOINT_HEADERS,
  endpointRows,
  printDeployResult,
  printWarnings,
  printTasks,
  TASK_HEADERS,
  taskRow,
} from '../format.js';
import { positiveSeconds } from '../options.js';
import { printJson, printTable, renderTable } from '../output.js';
import { UsageError } from '../errors.js';
import { planLines } from '../plan-diff.js';
import { composeBody, readComposeRequest, type ComposeFlags } from '../compose-files.js';
import { waitError, waitForStack } from '../wait.js';
import { PullProgress } from '../pull-progress.js';
import { callerRegistryAuth } from '../docker-auth.js';

interface UpOptions extends ComposeFlags {
  wait?: boolean;
  dryRun?: boolean;
  timeout: number;
  pull?: 'always' | 'missing' | 'never';
}

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function pullPolicy(value: string): 'always' | 'missing' | 'never' {
  if (value === 'always' || value === 'missing' || value === 'never') return value;
  throw new UsageError(`--pull is "${value}"; use always, missing or never`);
}

/** The options `up` and `compose config` share: which files, the name, profiles and env files. */
export function composeOptions(command: Command): Command {
  return command
    .option(
      '-f, --file <file>',
      'the stack file (YAML): a Flotilla stack or a Docker Compose file; repeat to merge Compose override files in order (default: COMPOSE_FILE, else compose.yaml and its override in this folder)',
      collect,
      [],
    )
    .option(
      '--name <name>',
      "the stack's name (default: COMPOSE_PROJECT_NAME, else the file's name:, else its base name; a Compose file: its folder's name)",
    )
    .option(
      '--profile <name>',
      'a Compose profile to enable (repeatable; default: COMPOSE_PROFILES)',
      collect,
      [],
    )
    .option(
      '--env-file <file>',
      "a Compose env file for interpolation instead of the folder's .env (repeatable)",
      collect,
      [],
    );
}

export function registerStackUp(program: Command): void {
  composeOptions(program.command('up').description('create or update a stack from its file'))
    .option('--wait', 'wait until every task is ready, then print the endpoints')
    .option(
      '--dry-run',
      'print what would be created, changed (and why), restarted and removed; change nothing',
    )
    .option('--timeout <seconds>', 'how long --wait waits', positiveSeconds, 300)
    .option(
      '--pull <policy>',
      'pull images first: always, missing or never (over every pull_policy, as `docker compose up --pull`)',
      pullPolicy,
    )
    .action(async (opts: UpOptions, cmd: Command) => {
      const ctx = context(cmd);
      const request = readComposeRequest(opts);
      const { name, source } = request;
      const client = await ctx.client();
      const compose = { ...composeBody(request), ...(opts.pull ? { pull: opts.pull } : {}) };
      if (opts.dryRun) {
        if (opts.wait) throw new UsageError('--dry-run changes nothing: there is nothing to --wait for');
        const plan = await client.planStack(name, source, compose);
        ctx.emit(plan, (p) => {
          printWarnings(p.warnings);
          process.stdout.write(`${planLines(p).join('\n')}\n`);
        });
        return;
      }
      // The images the file pulls first, with their layers' progress, as `docker compose up` shows them.
      const pulls = new PullProgress();
      const result = await client
        .applyStack(name, source, { ...compose, ...callerRegistryAuth() }, (e) => pulls.event(e))
        .finally(() => pulls.stop());
      for (const image of pulls.images()) pulls.say(`${pulls.summary(image)}: pulled`);
      if (!opts.wait) {
        ctx.emit(result, printDeployResult);
        return;
      }
      if (!ctx.json) printDeployResult(result);
      const { stack, verdict } = await waitForStack(client, name, opts.timeout * 1000);
      if (verdict.kind === 'ready') {
        const endpoints = await serviceEndpoints(client, stack);
        if (ctx.json) printJson({ result, stack, endpoints });
        else printReady(stack, endpoints);
        return;
      }
      if (ctx.json) printJson({ result, stack });
      const notReady = stack.tasks.filter((t) => t.desired === 'running' && !t.ready);
      if (notReady.length > 0) {
        process.stderr.write(
          `${renderTable(
            TASK_HEADERS,
            notReady.map((t) => taskRow(t)),
          )}\n`,
        );
      }
      throw waitError(`stack ${name}`, verdict, opts.timeout, stack.status);
    });
}

async function serviceEndpoints(
  client: FlotillaClient,
  stack: StackView,
): Promise<Record<string, Endpoint[]>> {
  const entries = await Promise.all(stack.services.map(async (s) => [s, await client.endpoints(s)] as const));
  return Object.fromEntries(entries);
}

function printReady(stack: StackView, endpoints: Record<string, Endpoint[]>): void {
  process.stdout.write(`\nstack ${stack.name} is ready\n\n`);
  printTasks(stack.tasks);
  const rows = Object.entries(endpoints).flatMap(([s, e]) => endpointRows(s, e));
  if (rows.length > 0) {
    process.stdout.write('\n');
    printTable(ENDPOINT_HEADERS, rows);
  }
}
