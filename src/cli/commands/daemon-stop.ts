import type { Command } from 'commander';
import { probe } from '../connect.js';
import { context } from '../context.js';
import { CliError } from '../errors.js';
import { daemonLogPath, isAlive } from '../home.js';
import { sleep, spinner } from '../output.js';

const STOP_TIMEOUT_MS = 15_000;

export function registerDaemonStop(daemon: Command): void {
  daemon
    .command('stop')
    .description('stop the daemon; its tasks keep running and the next daemon adopts them')
    .option('--stop-tasks', 'stop every task too')
    .action(async (opts: { stopTasks?: boolean }, cmd: Command) => {
      const ctx = context(cmd);
      const running = await probe(ctx.home);
      if (!running) {
        ctx.emit({ stopped: false, running: false }, () => process.stdout.write('no daemon running\n'));
        return;
      }
      const { pid } = running.health;
      const stopTasks = opts.stopTasks === true;
      await running.client.shutdown(stopTasks);
      const spin = spinner(`stopping the Flotilla daemon (pid ${pid})`);
      const deadline = Date.now() + STOP_TIMEOUT_MS;
      try {
        while (isAlive(pid)) {
          if (Date.now() > deadline) {
            throw new CliError(
              `the daemon (pid ${pid}) is still running after ${STOP_TIMEOUT_MS / 1000} s; ` +
                `see ${daemonLogPath(ctx.home)}`,
            );
          }
          await sleep(100);
        }
      } finally {
        spin.stop();
      }
      ctx.emit({ stopped: true, pid, stopTasks }, () =>
        process.stdout.write(
          stopTasks
            ? `stopped the Flotilla daemon (pid ${pid}) and its tasks\n`
            : `stopped the Flotilla daemon (pid ${pid}); its tasks keep running ` +
                'and the next daemon will adopt them\n',
        ),
      );
    });
}
