import type { Command } from 'commander';
import { ROLES, type Role } from '../../core/tenant.js';
import { FlotillaError } from '../../core/errors.js';
import { context } from '../context.js';
import { printTable } from '../output.js';

function role(text: string): Role {
  if (!(ROLES as readonly string[]).includes(text)) {
    throw new FlotillaError('VALIDATION_FAILED', `--role ${text}: use one of ${ROLES.join(', ')}`);
  }
  return text as Role;
}

/** `flotilla token create|list|revoke`: the tenant's API tokens (tenant admins). */
export function registerTokenCommands(token: Command): void {
  token
    .command('create')
    .description('mint a token; its secret is printed once and never again')
    .option('--role <role>', `${ROLES.join(' | ')}`, role, 'tenant-viewer' as Role)
    .option('--name <text>', 'what the token is for')
    .action(async (opts: { role: Role; name?: string }, cmd: Command) => {
      const ctx = context(cmd);
      const minted = await (await ctx.client()).createToken(opts.role, opts.name);
      ctx.emit(minted, (t) => {
        console.log(t.token);
        console.error(`token ${t.id} (${t.role} of ${t.tenant}): store it now, it is not shown again`);
      });
    });
  token
    .command('list')
    .description("the tenant's tokens (never their secrets)")
    .action(async (_opts, cmd: Command) => {
      const ctx = context(cmd);
      ctx.emit(await (await ctx.client()).listTokens(), (ts) =>
        printTable(
          ['ID', 'ROLE', 'NAME', 'CREATED', 'LAST USED', 'REVOKED'],
          ts.map((t) => [t.id, t.role, t.name || '-', t.createdAt, t.lastUsedAt ?? '-', t.revokedAt ?? '-']),
        ),
      );
    });
  token
    .command('revoke')
    .description('revoke a token at once')
    .argument('<id>', 'the token id (flotilla token list)')
    .action(async (id: string, _opts, cmd: Command) => {
      const ctx = context(cmd);
      await (await ctx.client()).revokeToken(id);
      ctx.emit({ revoked: id }, () => console.log(`revoked token ${id}`));
    });
}
