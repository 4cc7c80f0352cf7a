import { FlotillaError } from '../core/errors.js';
import type { Principal, Role } from '../core/tenant.js';
import type { Store } from '../state/store.js';
import { parseToken, secretMatches } from './tokens.js';

/** What a route asks of its caller. `read` is the default for GET, `write` for every other method. */
export type Access = 'public' | 'read' | 'write' | 'cluster';

/** With authentication off (loopback only), every caller is the default tenant's cluster admin. */
export const ANONYMOUS_ADMIN: Principal = { tokenId: null, tenant: 'default', role: 'cluster-admin' };

/**
 * The caller behind an Authorization header. Every failure gives the same answer, so a guesser
 * learns nothing about which tokens exist.
 */
export function authenticate(store: Store, header: string | undefined, now: number): Principal {
  const invalid = () =>
    new FlotillaError('UNAUTHENTICATED', 'the token is missing, malformed, revoked or unknown');
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!m) throw invalid();
  const parsed = parseToken(m[1]!);
  if (!parsed) throw invalid();
  const row = store.tokens.lookup(parsed.id);
  if (!row || row.revokedAt !== null || !secretMatches(parsed.secret, row.hash)) throw invalid();
  // A minute's precision is enough for "last used" and spares a write per request.
  if (row.lastUsedAt === null || now - row.lastUsedAt > 60_000) store.tokens.touch(row.id, now);
  return { tokenId: row.id, tenant: row.tenant, role: row.role };
}

const RANK: Record<Role, number> = { 'tenant-viewer': 0, 'tenant-admin': 1, 'cluster-admin': 2 };

/** Refuses a caller whose role is below what the route needs. */
export function authorize(principal: Principal, access: Access): void {
  const needed = access === 'cluster' ? 2 : access === 'write' ? 1 : 0;
  if (access === 'public' || RANK[principal.role] >= needed) return;
  throw new FlotillaError(
    'PERMISSION_DENIED',
    access === 'cluster'
      ? 'only a cluster admin may do this'
      : `a ${principal.role} token may only read; this needs a tenant-admin token`,
  );
}

/**
 * The tenant a request acts for: the caller's own, or, for a cluster admin only, the one it names
 * (Flotilla-Tenant header, or a "tenant/name" path). Anyone else naming another tenant gets the
 * same 404 as for a name that does not exist, so existence does not leak.
 */
export function actingTenant(store: Store, principal: Principal, named: string | undefined): string {
  if (!named || named === principal.tenant) return principal.tenant;
  if (principal.role === 'cluster-admin' && store.tenants.get(named)) return named;
  throw new FlotillaError('TENANT_NOT_FOUND', `no tenant "${named}"`);
}
