import { pathsFor, sandboxPath } from '../src/core/paths.js';
import type { TaskRecord } from '../src/core/task.js';
import { groupsGone, recordedTasks, startByHand, type HandStack } from './hand.js';
import { DOWN, taskEvents } from './heal.js';
import { TestHome, median, ms, report } from './util.js';

/**
 * Heal of one Kafka broker: SIGKILL of a broker of the three-broker KRaft example (each broker also a
 * controller), then (a) the time until the daemon's event stream says it is down, and (b) until it is
 * healthy again (registered with the controllers and serving metadata: the KAFKA check). The
 * baseline is the broker's own restart by hand: the very same three start scripts run by hand, one
 * broker SIGKILLed and its script run again on its data, polled with the same checks until it passes.
 * The by-hand kill also times how long the kernel takes to tear a broker's JVM down and hand back its
 * exit: no supervisor sees a death before that.
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const FILE = 'examples/kafka-kraft.yml';
const STACK = 'kafka-kraft';
const SERVICE = 'events';

export async function main(): Promise<void> {
  const home = new TestHome();
  const seen: number[] = [];
  const healed: number[] = [];
  const byHand: number[] = [];
  const goneByHand: number[] = [];
  const abort = new AbortController();
  let hand: HandStack | undefined;
  const restarted: HandStack[] = [];
  try {
    await home.ok(['up', '-f', FILE, '--wait', '--timeout', '600'], 700_000);
    const client = home.client();
    const events = taskEvents(client, abort.signal);
    for (let i = 0; i < ROUNDS; i++) {
      const tasks = await client.listTasks({ owner: SERVICE });
      const victim = tasks[i % tasks.length]!;
      if (!victim.pid || victim.state !== 'healthy') throw new Error(`${victim.id} is ${victim.state}`);
      let killedAt = 0n;
      const from = () => killedAt;
      const down = events.next(victim.id, (s) => DOWN.has(s), from);
      const up = events.next(victim.id, (s) => s === 'healthy', from);
      killedAt = process.hrtime.bigint();
      // The task leads a process group of its own: its start script and the JVM.
      process.kill(-victim.pid, 'SIGKILL');
      seen.push(await down);
      healed.push(await up);
      // Every broker back in before the next round.
      await home.ok(['up', '-f', FILE, '--wait', '--timeout', '600'], 700_000);
    }
    abort.abort();
    await events.stream;

    // By hand: the same scripts and configuration, on fresh sandboxes of the same paths.
    const recorded = recordedTasks(pathsFor(home.home).db).filter((t) => t.owner === SERVICE);
    await home.ok(['down', STACK, '--purge']);
    const sandboxOf = (t: TaskRecord) => sandboxPath(pathsFor(home.home), t.tenant, t.owner, t.name);
    hand = await startByHand(recorded, sandboxOf);
    for (let i = 0; i < ROUNDS; i++) {
      const victim = recorded[i % recorded.length]!;
      const group = restarted.findLast((r) => r.groups.has(victim.id))?.groups ?? hand.groups;
      const pgid = group.get(victim.id)!;
      const killedAt = process.hrtime.bigint();
      process.kill(-pgid, 'SIGKILL');
      await groupsGone([pgid]);
      goneByHand.push(Number(process.hrtime.bigint() - killedAt) / 1e6);
      const again = await startByHand([victim], sandboxOf, { keepData: true });
      restarted.push(again);
      byHand.push(again.elapsed);
    }
  } finally {
    abort.abort();
    // The restarted brokers' groups; their sandboxes go with the first start's cleanup.
    for (const r of restarted)
      for (const pgid of r.groups.values()) {
        try {
          process.kill(-pgid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    await hand?.cleanup();
    await home.cleanup();
  }
  const goal = median(byHand) + 1000;
  report(
    'Heal: SIGKILL of one Kafka broker (KRaft, 3 brokers) → seen dead → healthy again, vs its restart by hand',
    [
      ['rounds', String(ROUNDS)],
      ['SIGKILL → task_state event (median)', ms(median(seen))],
      ['SIGKILL → task_state event (max)', ms(Math.max(...seen))],
      ['goal seen dead', '≤ 100 ms'],
      ['by hand: SIGKILL → the broker reaped, looked for every 5 ms (median)', ms(median(goneByHand))],
      ['SIGKILL → healthy again (median)', ms(median(healed))],
      ['the broker restarted by hand until it passes the same checks (median)', ms(median(byHand))],
      ['goal healthy again', `≤ restart by hand + 1 s = ${ms(goal)}`],
      ['healthy again − restart by hand', ms(median(healed) - median(byHand))],
    ],
  );
}
