import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Principal } from '../core/tenant.js';
import type { TerminalSession } from '../drivers/terminal.js';
import { TICKET_TTL_MS, Terminals } from './terminals.js';

const admin: Principal = { tokenId: 't1', tenant: 'acme', role: 'tenant-admin' };
const session = (): TerminalSession => ({}) as TerminalSession;

describe('terminal tickets', () => {
  it('are good once, for the task they name, until they expire', () => {
    let now = 1000;
    const terminals = new Terminals(() => now);
    const a = terminals.issue('acme', 'web.0', admin);
    assert.equal(a.expiresAt, 1000 + TICKET_TTL_MS);
    assert.deepEqual(terminals.redeem(a.ticket), {
      tenant: 'acme',
      taskId: 'web.0',
      principal: admin,
      expiresAt: a.expiresAt,
    });
    assert.throws(() => terminals.redeem(a.ticket), { code: 'TERMINAL_TICKET_INVALID' });
    const b = terminals.issue('acme', 'web.0', admin);
    now += TICKET_TTL_MS;
    assert.throws(() => terminals.redeem(b.ticket), { code: 'TERMINAL_TICKET_INVALID' });
    assert.throws(() => terminals.redeem(undefined), { code: 'TERMINAL_TICKET_INVALID' });
    assert.throws(() => terminals.redeem('made-up'), { code: 'TERMINAL_TICKET_INVALID' });
  });

  it('count tickets and open sessions against one tenant only', () => {
    let now = 0;
    const terminals = new Terminals(() => now, 2);
    const s = session();
    terminals.issue('acme', 'web.0', admin);
    terminals.opened('acme', s);
    assert.throws(() => terminals.issue('acme', 'web.1', admin), { code: 'TERMINAL_LIMIT' });
    // Another tenant has its own share.
    terminals.issue('other', 'db.0', { ...admin, tenant: 'other' });
    terminals.closed(s);
    terminals.issue('acme', 'web.1', admin);
    // Expired tickets no longer count.
    now += TICKET_TTL_MS;
    terminals.issue('acme', 'web.1', admin);
    assert.deepEqual(terminals.sessions(), []);
  });
});
