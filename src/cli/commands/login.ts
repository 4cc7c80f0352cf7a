import type { Command } from 'commander';
import { FlotillaClient } from '../../client/client.js';
import { FlotillaError } from '../../core/errors.js';
import { context } from '../context.js';
import { saveCredential } from '../credentials.js';
import { printFields } from '../output.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}

/** `flotilla login`: checks a token against the daemon, then keeps it for the CLI (mode 0600). */
export function registerLogin(program: Command): void {
  program
    .command('login')
    .description('store a token for this daemon (read from stdin unless --token is given)')
    .option('--token <token>', 'the token (prefer stdin: a flag shows in the process list)')
    .action(async (opts: { token?: string }, cmd: Command) => {
      const ctx = context(cmd);
      const token = opts.token ?? (await readStdin());
      if (!token)
        throw new FlotillaError('VALIDATION_FAILED', 'no token given: pipe it on stdin or use --token');
      const address = (await ctx.client()).address;
      const me = await new FlotillaClient(address, { token }).whoami();
      const file = saveCredential(address, token);
      ctx.emit({ ...me, address, credentials: file }, () =>
        console.log(`logged in to ${address} as ${me.role} of tenant ${me.tenant} (token kept in ${file})`),
      );
    });
  program
    .command('logout')
    .description('forget the stored token for this daemon')
    .action(async (_opts, cmd: Command) => {
      const ctx = context(cmd);
      const address = (await ctx.client()).address;
      const file = saveCredential(address, null);
      ctx.emit({ address, credentials: file }, () => console.log(`forgot the token for ${address}`));
    });
  program
    .command('whoami')
    .description('the tenant and role of the token the CLI uses')
    .action(async (_opts, cmd: Command) => {
      const ctx = context(cmd);
      ctx.emit(await (await ctx.client()).whoami(), (me) =>
        printFields([
          ['tenant', me.tenant],
          ['role', me.role],
          ['acting for', me.actingFor],
          ['token', me.tokenId ?? (me.auth ? '-' : 'none (FLOTILLA_AUTH=off)')],
        ]),
      );
    });
}
