import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { PlanView } from '../../src/core/plan-schemas.js';
import { isAlive, TestHome, waitFor } from '../helpers/flotilla.js';
import { assertClean, prng, sample, watchSettling } from './invariants.js';

/**
 * SIGKILL of the daemon at a random moment of Cassandra's day-2 plans, on one warm ring: a repair, a
 * node restart, and a scale from 1 node to 2. After each kill the daemon starts again on the same
 * home; the interrupted plan waits (as on DC/OS) until `continue`, then completes; no orphan, no
 * task twice, and the ring is what the file (with the scaled `nodes`) declares, every node ready.
 */
const SEED = Number(process.env.FLOTILLA_RELIABILITY_SEED ?? Math.floor(Math.random() * 2 ** 31));
const SERVICE = 'ring';
const PLAN_TIMEOUT_MS = 4 * 60_000;

function stackFile(nodes: number): string {
  return `
name: rel-cassandra
services:
  ${SERVICE}:
    package: cassandra
    options: { nodes: ${nodes}, heapMb: 256, mem: 768, cpus: 0.5 }
`;
}

/** Each plan, and the longest wait after it starts before the kill (about how long it runs here). */
const TRIALS = [
  { plan: 'repair', parameters: {}, maxDelayMs: 4_000, nodes: 1 },
  { plan: 'restart', parameters: { node: 'cassandra-0' }, maxDelayMs: 20_000, nodes: 1 },
  { plan: 'scale', parameters: { nodes: '2' }, maxDelayMs: 30_000, nodes: 2 },
] as const;

describe('daemon SIGKILL at a random moment of a Cassandra plan (one warm ring)', () => {
  const home = new TestHome();
  home.env.FLOTILLA_NODES = '4';
  const file = path.join(home.home, 'cassandra.yml');
  const started = Date.now();
  const converged: string[] = [];

  before(async () => {
    fs.writeFileSync(file, stackFile(1));
    await home.ok(['up', '-f', file, '--wait', '--timeout', '300'], 320_000);
  });
  after(async () => {
    const seconds = Math.round((Date.now() - started) / 1000);
    console.log(
      `reliability(cassandra): ${JSON.stringify({ seed: SEED, trials: TRIALS.length, converged: converged.length, plans: converged, seconds })}`,
    );
    assert.equal(await home.cleanup(), 0, 'processes left behind after the trials');
  });

  it(`repair, restart and scale, each with a SIGKILL of the daemon (seed ${SEED})`, async () => {
    console.log(`reliability(cassandra): seed ${SEED} (FLOTILLA_RELIABILITY_SEED=${SEED} replays it)`);
    const random = prng(SEED);
    for (const trial of TRIALS) {
      const delayMs = Math.round(random() * trial.maxDelayMs);
      const what = `${trial.plan} (seed ${SEED}), kill after ${delayMs} ms`;
      const daemon = home.daemonInfo()!.pid;
      await home.client().startPlan(SERVICE, trial.plan, { ...trial.parameters });
      await new Promise((r) => setTimeout(r, delayMs));
      process.kill(daemon, 'SIGKILL');
      await waitFor(() => !isAlive(daemon), 5_000, 'the killed daemon to be gone');

      await home.ok(['ps']);
      assertClean(await watchSettling(home, 1_000), `${what}, after the restart`);

      // An interrupted plan waits for `continue`; one the kill did not interrupt is complete already.
      const client = home.client();
      let plan: PlanView = await client.getPlan(SERVICE, trial.plan);
      if (plan.status !== 'COMPLETE') plan = await client.continuePlan(SERVICE, trial.plan);
      plan = await waitFor(
        async () => {
          const p = await client.getPlan(SERVICE, trial.plan);
          return p.status === 'COMPLETE' || p.status === 'ERROR' ? p : null;
        },
        PLAN_TIMEOUT_MS,
        `${what}: the plan to complete`,
      );
      assert.equal(plan.status, 'COMPLETE', `${what}: ${JSON.stringify(plan)}`);

      // The file says what the plan made; applying it changes nothing, and everything is ready.
      fs.writeFileSync(file, stackFile(trial.nodes));
      await home.ok(['up', '-f', file, '--wait', '--timeout', '300'], 320_000);
      const tasks = await client.listTasks();
      assert.deepEqual(
        tasks.map((t) => t.name).sort(),
        Array.from({ length: trial.nodes }, (_, i) => `cassandra-${i}`),
        what,
      );
      assert.ok(
        tasks.every((t) => t.ready),
        `${what}: ${tasks.map((t) => `${t.name} ${t.state}`).join(', ')}`,
      );
      assertClean(await sample(home), `${what}, after the plan completed`);
      converged.push(trial.plan);
    }
  });
});
