import type { PublishedPort } from '../core/container.js';
import { FlotillaError } from '../core/errors.js';
import { portAddresses, type PortHolder, type PortHolders } from '../core/published.js';
import type { TaskRecord } from '../core/task.js';
import type { PortAllocator } from './ports.js';

export interface PortBook {
  allocator: PortAllocator;
  /** Ports held per address (the store's, then this plan's): updated as ports are handed out. */
  held: Map<string, Set<number>>;
  /** Who holds each port where (the store's, then this plan's). */
  holders: PortHolders;
}

export interface PortRequest {
  tenant: string;
  owner: string;
  /** The task's id ("web.0"). */
  id: string;
  /** Its virtual node's address. */
  host: string;
  /** 0 (any) or a fixed port, in order. */
  requested: number[];
  /** A container's publish list: `publish[i].hostIp` is where `requested[i]` is really held. */
  publish?: PublishedPort[];
  /** The task as stored, if any: it keeps the ports it holds where they still are. */
  mine?: TaskRecord;
}

const describe = (h: PortHolder, tenant: string) =>
  h.tenant === tenant ? `${h.owner} (task ${h.id})` : "a task of another tenant's";

/**
 * The ports of one task, each allocated at the address where it is really held: its node, or the
 * address a container publishes it on. A fixed port another task holds there (or on every interface)
 * is refused with PORT_IN_USE naming that task, when the plan is made rather than when the engine
 * refuses to publish it.
 */
export async function placePorts(book: PortBook, r: PortRequest): Promise<number[]> {
  const wanted = portAddresses(r.host, r.requested, r.publish);
  const before = r.mine ? portAddresses(r.mine.host, r.mine.ports, r.mine.spec.container?.publish) : [];
  const out: number[] = [];
  for (const [i, { address, port: want }] of wanted.entries()) {
    if (want !== 0) {
      const other = book.holders.holder(address, want, { tenant: r.tenant, id: r.id });
      if (other) {
        throw new FlotillaError(
          'PORT_IN_USE',
          `${r.id}: port ${want} on ${address} is already published by ${describe(other, r.tenant)}`,
          { host: address, port: want },
        );
      }
    }
    const previous = before[i]?.address === address ? [before[i]!.port] : [];
    const held = book.held.get(address) ?? new Set<number>();
    book.held.set(address, held);
    const [port] = await book.allocator.allocate(address, [want], previous, held, r.id);
    book.holders.add(address, port!, { tenant: r.tenant, id: r.id, owner: r.owner });
    out.push(port!);
  }
  return out;
}
