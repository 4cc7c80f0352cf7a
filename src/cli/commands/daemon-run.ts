import { spawn } from 'node:child_process';
import os from 'node:os';
import type { Command } from 'commander';
import { context } from '../context.js';
import { daemonCommand } from '../daemon-process.js';

/** `flotilla daemon [run]`: the daemon in the foreground, for a terminal or a service manager. */
export function registerDaemonRun(daemon: Command): void {
  daemon
    .command('run', { isDefault: true })
    .description('run the daemon in the foreground (the default of `flotilla daemon`)')
    .action(async (_opts, cmd: Command) => {
      const ctx = context(cmd);
      // Its own process group: a Ctrl-C reaches the daemon once, through us, not twice (its second
      // SIGINT would kill it before it has cleaned up).
      const command = daemonCommand(ctx.home, process.env);
      const child = spawn(process.execPath, command.args, {
        detached: true,
        stdio: ['ignore', 'inherit', 'inherit'],
        env: command.env,
      });
      const forward = (signal: NodeJS.Signals) => child.kill(signal);
      process.on('SIGINT', forward);
      process.on('SIGTERM', forward);
      const code = await new Promise<number>((resolve) => {
        child.on('exit', (c, signal) =>
          resolve(c ?? 128 + (signal ? (os.constants.signals[signal] ?? 0) : 0)),
        );
        child.on('error', (err) => {
          process.stderr.write(`error: cannot run the daemon: ${err.message}\n`);
          resolve(1);
        });
      });
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      process.exitCode = code;
    });
}
