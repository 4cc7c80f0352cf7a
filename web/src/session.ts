import { WebClient } from '../../src/client/browser.js';
import type { WhoAmIView } from '../../src/core/tenant-schemas.js';

/** Where the token is kept between reloads of this tab's origin; logging out removes it. */
const TOKEN_KEY = 'flotilla.token';
const TENANT_KEY = 'flotilla.tenant';

export interface Session {
  client: WebClient;
  who: WhoAmIView;
  /** The tenant the console acts for (the token's, or one a cluster admin picked). */
  tenant: string;
}

export function storedToken(): string | null {
  return localStorage.getItem(TOKEN_KEY);
}

export function clientFor(token: string | null, tenant?: string): WebClient {
  return new WebClient(location.origin, {
    ...(token ? { token } : {}),
    ...(tenant ? { tenant } : {}),
  });
}

/**
 * Opens a session: with the token given (or the one kept), or with none when the daemon runs with
 * auth off (embedded mode: whoami answers without a token, so there is no login page).
 */
export async function openSession(token: string | null, tenant?: string | null): Promise<Session> {
  const picked = tenant ?? localStorage.getItem(TENANT_KEY) ?? undefined;
  let client = clientFor(token, picked);
  let who: WhoAmIView;
  try {
    who = await client.whoami();
  } catch (err) {
    // A tenant picked before that no longer exists (or a token that cannot act for it): start over as the token's own.
    if (!picked) throw err;
    localStorage.removeItem(TENANT_KEY);
    client = clientFor(token);
    who = await client.whoami();
  }
  if (token) localStorage.setItem(TOKEN_KEY, token);
  return { client, who, tenant: who.actingFor };
}

export function switchTenant(tenant: string): void {
  localStorage.setItem(TENANT_KEY, tenant);
}

export function forget(): void {
  localStorage.removeItem(TOKEN_KEY);
  localStorage.removeItem(TENANT_KEY);
}
