import { BaseSorter, dominantShare, type Client } from './sorter.js';
import { ClientHeap, moreDeserving } from './heap.js';

/**
 * Dominant Resource Fairness (Ghodsi et al., NSDI 2011): the most deserving client is the one with
 * the lowest weighted dominant share. Shares are cached per client and kept in a heap, so a
 * placement costs O(log clients) and next() is O(1).
 */
export class DrfSorter extends BaseSorter {
  private readonly heap = new ClientHeap();

  /** The client's weighted dominant share of the pool total. */
  share(client: string): number {
    return this.get(client).share;
  }

  sort(): string[] {
    return [...this.heap.values()].sort((a, b) => (moreDeserving(a, b) ? -1 : 1)).map((c) => c.name);
  }

  next(): string | undefined {
    return this.heap.top()?.name;
  }

  protected onActivate(c: Client): void {
    c.share = dominantShare(c.allocation, this.pool, c.weight);
    this.heap.push(c);
  }

  protected onDeactivate(c: Client): void {
    this.heap.delete(c);
  }

  protected onChange(c: Client): void {
    c.share = dominantShare(c.allocation, this.pool, c.weight);
    this.heap.update(c);
  }

  protected onTotalChange(): void {
    for (const c of this.clients.values()) c.share = dominantShare(c.allocation, this.pool, c.weight);
    this.heap.heapify();
  }
}
