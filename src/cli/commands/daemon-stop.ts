import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { FlotillaClient } from '../../client/client.js';
import { probe, startInBackground } from '../connect.js';
import { context } from '../context.js';
import { CliError } from '../errors.js';
import { isAlive } from '../../core/pids.js';
import { daemonInfo, daemonLogPath } from '../home.js';
import { sleep, spinner } from '../output.js';

const STOP_TIMEOUT_MS = 15_000;

export function registerDaemonStop(daemon: Command): void {
  daemon
    .command('stop')
    .description('stop the daemon; its tasks keep running and the next daemon adopts them')
    .option('--stop-tasks', 'stop every task too (with no daemon running: adopt them first, then stop them)')
    .action(async (opts: { stopTasks?: boolean }, cmd: Command) => {
      const ctx = context(cmd);
      const stopTasks = opts.stopTasks === true;
      let running = await probe(ctx.home);
      let adopted = false;
      // Tasks outlive their daemon on purpose; stopping them needs one that adopts them first.
      if (!running && stopTasks && hasState(ctx.home)) {
        const client = await startInBackground(ctx.home, !ctx.json);
        running = { client, health: await client.health() };
        adopted = true;
      }
      if (!running) {
        ctx.emit({ stopped: false, running: false }, () => process.stdout.write('no daemon running\n'));
        return;
      }
      const pid = running.health.pid ?? daemonInfo(ctx.home)?.pid ?? 0;
      const tasks = stopTasks ? await runningTasks(running.client) : 0;
      await running.client.shutdown(stopTasks);
      await waitForExit(pid, ctx.home);
      ctx.emit({ stopped: true, pid, stopTasks, tasksStopped: tasks, adopted }, () =>
        process.stdout.write(
          adopted
            ? `no daemon was running: a daemon adopted the home's ${tasks} running task(s) and stopped them\n`
            : stopTasks
              ? `stopped the Flotilla daemon (pid ${pid}) and its ${tasks} running task(s)\n`
              : `stopped the Flotilla daemon (pid ${pid}); its tasks keep running ` +
                'and the next daemon will adopt them (`flotilla daemon stop --stop-tasks` stops them)\n',
        ),
      );
    });
}

/** A home whose daemon ran once has a state database: its tasks may still run. */
function hasState(home: string): boolean {
  return fs.existsSync(path.join(home, 'state', 'flotilla.db'));
}

async function runningTasks(client: FlotillaClient): Promise<number> {
  const tasks = await client.listTasks().catch(() => []);
  return tasks.filter((t) => t.pid !== null && t.pid > 0).length;
}

async function waitForExit(pid: number, home: string): Promise<void> {
  if (pid <= 0) return;
  const spin = spinner(`stopping the Flotilla daemon (pid ${pid})`);
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  try {
    while (isAlive(pid)) {
      if (Date.now() > deadline) {
        throw new CliError(
          `the daemon (pid ${pid}) is still running after ${STOP_TIMEOUT_MS / 1000} s; ` +
            `see ${daemonLogPath(home)}`,
          1,
          'WAIT_TIMEOUT',
        );
      }
      await sleep(100);
    }
  } finally {
    spin.stop();
  }
}
