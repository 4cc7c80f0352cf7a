/**
 * Launches take turns, one an event-loop iteration: a driver's start is synchronous work (a fork, a
 * FIFO, a cgroup: some 10 to 50 ms), and a burst of them started together (a stack of many tasks,
 * a daemon restart) must not hold up every request to the daemon until the last one is done.
 */
export class Turns {
  private last: Promise<void> = Promise.resolve();

  /** Resolves in an iteration of the event loop of its own, after the turns asked for before it. */
  next(): Promise<void> {
    const mine = this.last.then(() => new Promise<void>((resolve) => setImmediate(resolve)));
    this.last = mine;
    return mine;
  }
}
