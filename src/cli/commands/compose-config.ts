import type { Command } from 'commander';
import { context } from '../context.js';
import { composeBody, readComposeRequest, type ComposeFlags } from '../compose-files.js';
import { printWarnings } from '../format.js';
import { composeOptions } from './stack-up.js';

/** `flotilla compose config`: the normalised model of a Compose file, as `docker compose config` prints it. */
export function registerComposeCommands(compose: Command): void {
  composeOptions(
    compose
      .command('config')
      .description(
        'print the Compose model as Flotilla reads it (overrides merged, includes and extends resolved, variables interpolated), as docker compose config does',
      ),
  ).action(async (opts: ComposeFlags, cmd: Command) => {
    const ctx = context(cmd);
    const request = readComposeRequest(opts);
    const client = await ctx.client();
    const config = await client.composeConfig(request.name, request.source, composeBody(request));
    ctx.emit(config, (c) => {
      printWarnings(c.warnings);
      process.stdout.write(c.yaml);
    });
  });
}
