import { isFlotillaError } from '../core/errors.js';
import { loadConfig } from './config.js';
import { startDaemon } from './daemon.js';

/** The daemon process: `flotilla daemon` runs this in the foreground, other commands start it in the background. */
async function main(): Promise<void> {
  const log = (msg: string) => console.log(`${new Date().toISOString()} ${msg}`);
  const daemon = await startDaemon(loadConfig(), log);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      log(`${signal} received`);
      void daemon.stop(false);
    });
  }
  await daemon.done;
  log('daemon stopped');
  process.exit(0);
}

main().catch((err: unknown) => {
  if (isFlotillaError(err)) console.error(`error ${err.code}: ${err.message}\n  ${err.hint}`);
  else console.error(err);
  process.exit(isFlotillaError(err) && err.code === 'DAEMON_ALREADY_RUNNING' ? 3 : 1);
});
