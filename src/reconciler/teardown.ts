// The order tasks stop in when several go at once (`down`, `replace`): a pure function of the tasks.
import type { TaskRecord } from '../core/task.js';

/**
 * The task `t` waits for before it stops, or null to stop now. Among tasks that are all going
 * (desired not running) and still alive, a dependent (a task whose owner depends on `t`'s) stops
 * before what it depends on: Kafka brokers never lose ZooKeeper in the middle of their controlled
 * shutdown, Spark workers their master. The tasks of one service stop together: measured for Kafka
 * (docs/benchmarks.md), that beats one broker at a time and the controller last. A task that stays
 * (desired running) holds nothing up.
 */
export function stopBlocker(
  t: TaskRecord,
  tasks: TaskRecord[],
  alive: (x: TaskRecord) => boolean,
): TaskRecord | null {
  return (
    tasks.find(
      (x) =>
        x.id !== t.id &&
        x.desired !== 'running' &&
        x.owner !== t.owner &&
        x.spec.dependsOn.includes(t.owner) &&
        alive(x),
    ) ?? null
  );
}
