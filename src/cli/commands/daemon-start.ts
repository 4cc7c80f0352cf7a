import type { Command } from 'commander';
import { probe, startInBackground } from '../connect.js';
import { context } from '../context.js';
import { daemonLogPath } from '../home.js';

export function registerDaemonStart(daemon: Command): void {
  daemon
    .command('start')
    .description('start the daemon in the background (other commands do so when none runs)')
    .action(async (_opts, cmd: Command) => {
      const ctx = context(cmd);
      const running = await probe(ctx.home);
      const client = running?.client ?? (await startInBackground(ctx.home, false));
      const health = running?.health ?? (await client.health());
      const log = daemonLogPath(ctx.home);
      ctx.emit({ alreadyRunning: running !== null, address: client.address, log, ...health }, (h) =>
        process.stdout.write(
          h.alreadyRunning
            ? `a Flotilla daemon already runs at ${h.address} (pid ${h.pid ?? '?'})\n`
            : `started a Flotilla daemon at ${h.address} (pid ${h.pid ?? '?'}, log: ${log})\n`,
        ),
      );
    });
}
