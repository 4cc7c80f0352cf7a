import crypto from 'node:crypto';
import { FlotillaError } from '../core/errors.js';
import type { Principal } from '../core/tenant.js';
import type { TerminalSession } from '../drivers/terminal.js';

/** How long a ticket waits for its WebSocket. */
export const TICKET_TTL_MS = 30_000;
/** Terminals a tenant may have open, or about to open, at once. */
export const TERMINALS_PER_TENANT = 4;
/** The WebSocket subprotocol of a terminal; the ticket travels as the second one. */
export const TERMINAL_PROTOCOL = 'flotilla-terminal';

export interface Ticket {
  tenant: string;
  taskId: string;
  principal: Principal;
  expiresAt: number;
}

/**
 * The terminals of a daemon: one-use tickets (kept as SHA-256 hashes, like tokens) and the open
 * sessions, counted per tenant so that none can hold more than its share of shells.
 */
export class Terminals {
  private readonly tickets = new Map<string, Ticket>();
  private readonly open = new Map<TerminalSession, string>();

  constructor(
    private readonly now: () => number = Date.now,
    readonly perTenant = TERMINALS_PER_TENANT,
  ) {}

  /** A fresh ticket for the task, or TERMINAL_LIMIT when the tenant has its share open. */
  issue(tenant: string, taskId: string, principal: Principal): { ticket: string; expiresAt: number } {
    this.expire();
    if (this.count(tenant) >= this.perTenant) {
      throw new FlotillaError(
        'TERMINAL_LIMIT',
        `tenant "${tenant}" has ${this.perTenant} terminals open or opening (the most it may have)`,
      );
    }
    const ticket = crypto.randomBytes(32).toString('base64url');
    const expiresAt = this.now() + TICKET_TTL_MS;
    this.tickets.set(hash(ticket), { tenant, taskId, principal, expiresAt });
    return { ticket, expiresAt };
  }

  /** The ticket's grant, used up now; TERMINAL_TICKET_INVALID when it is unknown, spent or stale. */
  redeem(ticket: string | undefined): Ticket {
    this.expire();
    const key = ticket ? hash(ticket) : '';
    const grant = this.tickets.get(key);
    this.tickets.delete(key);
    if (!grant) {
      throw new FlotillaError(
        'TERMINAL_TICKET_INVALID',
        'the terminal ticket is missing, unknown, used or expired',
      );
    }
    return grant;
  }

  /** Counts an open session against its tenant until `closed`. */
  opened(tenant: string, session: TerminalSession): void {
    this.open.set(session, tenant);
  }

  closed(session: TerminalSession): void {
    this.open.delete(session);
  }

  /** Every open session (the daemon closes them when it stops). */
  sessions(): TerminalSession[] {
    return [...this.open.keys()];
  }

  private count(tenant: string): number {
    let n = 0;
    for (const t of this.open.values()) if (t === tenant) n++;
    for (const t of this.tickets.values()) if (t.tenant === tenant) n++;
    return n;
  }

  private expire(): void {
    const now = this.now();
    for (const [key, t] of this.tickets) if (t.expiresAt <= now) this.tickets.delete(key);
  }
}

function hash(ticket: string): string {
  return crypto.createHash('sha256').update(ticket).digest('hex');
}
