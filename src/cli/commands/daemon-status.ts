import type { Command } from 'commander';
import { probe } from '../connect.js';
import { context } from '../context.js';
import { humanDuration, printFields } from '../output.js';

export function registerDaemonStatus(daemon: Command): void {
  daemon
    .command('status')
    .description('show the running daemon (exits 1 if none runs)')
    .action(async (_opts, cmd: Command) => {
      const ctx = context(cmd);
      const running = await probe(ctx.home);
      if (!running) {
        ctx.emit({ running: false }, () => process.stdout.write('no daemon running\n'));
        process.exitCode = 1;
        return;
      }
      const h = running.health;
      ctx.emit({ running: true, address: running.client.address, ...h }, () =>
        printFields([
          ['address', running.client.address],
          ['pid', String(h.pid ?? '-')],
          ['version', h.version],
          ['uptime', humanDuration(h.uptimeSeconds * 1000)],
          ['home', h.home ?? '-'],
          ['tasks', String(h.tasks)],
        ]),
      );
    });
}
