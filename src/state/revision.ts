/**
 * Counts the writes to the tables the lists show (tasks, apps, services, the queue), so a view
 * computed from them can be kept until the count moves. A write that a transaction rolls back
 * counts too: that only costs a view computed again.
 */
export class Revision {
  private n = 0;
  bump(): void {
    this.n++;
  }
  get current(): number {
    return this.n;
  }
}
