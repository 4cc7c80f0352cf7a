import { FlotillaError } from '../../core/errors.js';
import { addTo, subtractFrom, zero } from '../resources.js';
import { SCALAR_RESOURCES, type Resources } from '../types.js';

/**
 * Fairness behind a small interface, as in the Mesos allocator's sorter.hpp: the allocation cycle
 * asks "who is most deserving?" and reports what it gave; how "deserving" is computed is the
 * sorter's business. Clients are tenants at the top level and services within a tenant.
 *
 * Unlike Mesos, add() makes a client active at once: the scheduler only adds clients with work.
 */
export interface Sorter {
  add(client: string, weight?: number): void;
  remove(client: string): void;
  /** An inactive client keeps its allocation (it still counts) but is left out of sort() and next(). */
  activate(client: string): void;
  deactivate(client: string): void;
  updateWeight(client: string, weight: number): void;
  allocated(client: string, resources: Resources): void;
  unallocated(client: string, resources: Resources): void;
  allocation(client: string): Resources;
  addTotal(resources: Resources): void;
  removeTotal(resources: Resources): void;
  total(): Resources;
  contains(client: string): boolean;
  /** Active clients, most deserving first. */
  sort(): string[];
  /** The most deserving active client (what sort()[0] would be), without sorting everyone. */
  next(): string | undefined;
}

export type SorterKind = 'drf' | 'random';

export interface Client {
  readonly name: string;
  weight: number;
  readonly allocation: Resources;
  active: boolean;
  /** Cached weighted dominant share (DRF). */
  share: number;
  /** Position in the implementation's own structure (heap index, array slot); -1 when absent. */
  slot: number;
}

/** DRF's share, a few lines as in Mesos: max over resources of allocated/total, divided by the weight. */
export function dominantShare(allocation: Resources, total: Resources, weight: number): number {
  let share = 0;
  for (const r of SCALAR_RESOURCES) {
    if (total[r] > 0) share = Math.max(share, allocation[r] / total[r]);
  }
  return share / weight;
}

/** The bookkeeping every sorter shares; implementations react to changes through the hooks. */
export abstract class BaseSorter implements Sorter {
  protected readonly clients = new Map<string, Client>();
  protected readonly pool: Resources = zero();

  add(client: string, weight = 1): void {
    if (this.clients.has(client))
      throw new FlotillaError('INTERNAL', `sorter: client "${client}" added twice`);
    const c: Client = {
      name: client,
      weight: checkWeight(client, weight),
      allocation: zero(),
      active: true,
      share: 0,
      slot: -1,
    };
    this.clients.set(client, c);
    this.onActivate(c);
  }

  remove(client: string): void {
    const c = this.get(client);
    if (c.active) this.onDeactivate(c);
    this.clients.delete(client);
  }

  activate(client: string): void {
    const c = this.get(client);
    if (c.active) return;
    c.active = true;
    this.onActivate(c);
  }

  deactivate(client: string): void {
    const c = this.get(client);
    if (!c.active) return;
    this.onDeactivate(c);
    c.active = false;
  }

  updateWeight(client: string, weight: number): void {
    const c = this.get(client);
    c.weight = checkWeight(client, weight);
    this.onChange(c);
  }

  allocated(client: string, resources: Resources): void {
    const c = this.get(client);
    addTo(c.allocation, resources);
    this.onChange(c);
  }

  unallocated(client: string, resources: Resources): void {
    const c = this.get(client);
    subtractFrom(c.allocation, resources);
    this.onChange(c);
  }

  allocation(client: string): Resources {
    return { ...this.get(client).allocation };
  }

  addTotal(resources: Resources): void {
    addTo(this.pool, resources);
    this.onTotalChange();
  }

  removeTotal(resources: Resources): void {
    subtractFrom(this.pool, resources);
    this.onTotalChange();
  }

  total(): Resources {
    return { ...this.pool };
  }

  contains(client: string): boolean {
    return this.clients.has(client);
  }

  abstract sort(): string[];
  abstract next(): string | undefined;

  protected abstract onActivate(c: Client): void;
  protected abstract onDeactivate(c: Client): void;
  /** The client's allocation or weight changed. */
  protected abstract onChange(c: Client): void;
  protected abstract onTotalChange(): void;

  protected get(client: string): Client {
    const c = this.clients.get(client);
    if (!c) throw new FlotillaError('INTERNAL', `sorter: unknown client "${client}"`);
    return c;
  }
}

function checkWeight(client: string, weight: number): number {
  if (!(weight > 0) || !Number.isFinite(weight)) {
    throw new FlotillaError(
      'INTERNAL',
      `sorter: the weight of "${client}" must be a positive number, not ${weight}`,
    );
  }
  return weight;
}
