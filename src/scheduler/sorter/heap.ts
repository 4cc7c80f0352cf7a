import type { Client } from './sorter.js';

/** Fewer weighted dominant share first; equal shares go by name, so the order never depends on insertion. */
export function moreDeserving(a: Client, b: Client): boolean {
  return a.share < b.share || (a.share === b.share && a.name < b.name);
}

/**
 * A binary min-heap of clients that knows each client's position (`slot`), so a client whose share
 * changed moves in O(log n) instead of the whole order being rebuilt: with 1,000 tenants that is
 * the difference between ~10 and ~1,000 comparisons per placement.
 */
export class ClientHeap {
  private readonly items: Client[] = [];

  get size(): number {
    return this.items.length;
  }

  top(): Client | undefined {
    return this.items[0];
  }

  values(): readonly Client[] {
    return this.items;
  }

  push(c: Client): void {
    c.slot = this.items.length;
    this.items.push(c);
    this.up(c.slot);
  }

  delete(c: Client): void {
    const i = c.slot;
    const last = this.items.pop()!;
    c.slot = -1;
    if (last === c) return;
    this.items[i] = last;
    last.slot = i;
    this.update(last);
  }

  /** Restores order after `c.share` or `c.weight` changed. */
  update(c: Client): void {
    if (c.slot < 0) return;
    this.up(c.slot);
    this.down(c.slot);
  }

  /** Rebuilds in O(n) after every share changed at once (the pool total moved). */
  heapify(): void {
    for (let i = (this.items.length >> 1) - 1; i >= 0; i--) this.down(i);
  }

  private up(i: number): void {
    const items = this.items;
    const c = items[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = items[p]!;
      if (!moreDeserving(c, parent)) break;
      items[i] = parent;
      parent.slot = i;
      i = p;
    }
    items[i] = c;
    c.slot = i;
  }

  private down(i: number): void {
    const items = this.items;
    const n = items.length;
    const c = items[i]!;
    for (;;) {
      let best = 2 * i + 1;
      if (best >= n) break;
      const right = best + 1;
      if (right < n && moreDeserving(items[right]!, items[best]!)) best = right;
      const child = items[best]!;
      if (!moreDeserving(child, c)) break;
      items[i] = child;
      child.slot = i;
      i = best;
    }
    items[i] = c;
    c.slot = i;
  }
}
