import type { Rng } from '../prng.js';
import { BaseSorter, type Client } from './sorter.js';

/**
 * The second, simple implementation (as Mesos' RandomSorter): a weighted random order, ignoring
 * allocations. Useful as a baseline and for pools where fairness over time is enough. next() is
 * O(active clients), which is fine for a baseline.
 */
export class RandomSorter extends BaseSorter {
  private readonly active: Client[] = [];
  private weights = 0;

  constructor(private readonly rng: Rng) {
    super();
  }

  /**
   * Weighted shuffle (Efraimidis–Spirakis): key u^(1/w), largest first, so a client of weight 3
   * comes first three times as often as a client of weight 1.
   */
  sort(): string[] {
    return this.active
      .map((c) => ({ name: c.name, key: Math.pow(this.rng(), 1 / c.weight) }))
      .sort((a, b) => b.key - a.key || (a.name < b.name ? -1 : 1))
      .map((k) => k.name);
  }

  next(): string | undefined {
    let r = this.rng() * this.weights;
    for (const c of this.active) {
      r -= c.weight;
      if (r < 0) return c.name;
    }
    return this.active.at(-1)?.name;
  }

  protected onActivate(c: Client): void {
    c.slot = this.active.length;
    this.active.push(c);
    this.weights += c.weight;
  }

  protected onDeactivate(c: Client): void {
    const last = this.active.pop()!;
    if (last !== c) {
      this.active[c.slot] = last;
      last.slot = c.slot;
    }
    c.slot = -1;
    this.weights -= c.weight;
  }

  override updateWeight(client: string, weight: number): void {
    const before = this.get(client).weight;
    super.updateWeight(client, weight);
    if (this.get(client).active) this.weights += weight - before;
  }

  /** Allocations do not move a random order. */
  protected onChange(): void {}

  protected onTotalChange(): void {}
}
