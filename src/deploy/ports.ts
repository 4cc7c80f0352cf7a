import net from 'node:net';
import { FlotillaError } from '../core/errors.js';
import type { PortReservations } from './port-reservations.js';

export type PortProbe = (host: string, port: number) => Promise<boolean>;

/** True when nothing on this machine holds host:port (an exclusive bind succeeds). */
export const canBind: PortProbe = (host, port) =>
  new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });

/**
 * Hands out ports per host. A port held by any task (running or not) is never handed out twice, so an
 * instance keeps its port across restarts; a port some other program holds is skipped (auto) or
 * refused (fixed).
 */
export class PortAllocator {
  private next: number;

  constructor(
    private readonly range: [number, number],
    private readonly probe: PortProbe = canBind,
    start = range[0],
    /** Other homes on this machine: absent, only this home's own tasks are kept apart. */
    private readonly reservations?: PortReservations,
  ) {
    this.next = Math.min(Math.max(start, range[0]), range[1]);
  }

  /**
   * `requested[i]` is 0 (any port) or a fixed port; `current` are the ports the task holds already.
   * `held` is updated with what is handed out, so one deploy never hands out a port twice.
   */
  async allocate(
    host: string,
    requested: number[],
    current: number[],
    held: Set<number>,
    who: string,
  ): Promise<number[]> {
    const out: number[] = [];
    for (const [i, want] of requested.entries()) {
      const mine = current[i];
      if (mine !== undefined && (want === 0 || want === mine)) {
        out.push(mine);
        continue;
      }
      if (want !== 0) {
        if (held.has(want) || !(await this.claim(host, want))) {
          throw new FlotillaError('PORT_IN_USE', `${who}: port ${want} on ${host} is already in use`, {
            host,
            port: want,
          });
        }
        held.add(want);
        out.push(want);
        continue;
      }
      out.push(await this.pickFree(host, held, who));
    }
    return out;
  }

  /** Gives back reservations no task holds: after every write (a plan may have reserved and failed). */
  release(inUse: Map<string, Set<number>>): void {
    this.reservations?.keepOnly(inUse);
  }

  /** Reserved for this home first, then probed: another home may reserve but not bind it yet. */
  private async claim(host: string, port: number): Promise<boolean> {
    if (this.reservations && !this.reservations.take(host, port)) return false;
    return this.probe(host, port);
  }

  private async pickFree(host: string, held: Set<number>, who: string): Promise<number> {
    const [lo, hi] = this.range;
    for (let tries = 0; tries <= hi - lo; tries++) {
      const port = this.next;
      this.next = port >= hi ? lo : port + 1;
      if (held.has(port)) continue;
      if (await this.claim(host, port)) {
        held.add(port);
        return port;
      }
    }
    throw new FlotillaError('PORTS_EXHAUSTED', `${who}: no free port left in ${lo}-${hi} on ${host}`);
  }
}
