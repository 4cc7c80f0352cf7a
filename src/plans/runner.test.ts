import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { createStore } from '../state/store.js';
import { deployPlan, rollUp } from './derived.js';
import { PlanRunner } from './runner.js';
import type { OperationDefinition, ServiceOps } from './types.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-plans-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** An operation of three steps over two phases that records what ran; `fail` makes a step throw once. */
function operation(log: string[], gate: { fail?: string; hold?: Promise<void> }): OperationDefinition {
  const step = (name: string) => ({
    name,
    async run(ops: ServiceOps) {
      if (gate.fail === name) {
        gate.fail = undefined;
        throw new Error(`${name} broke`);
      }
      ops.say(`${name} working`);
      if (name === 'b') await gate.hold;
      log.push(name);
    },
  });
  return {
    description: 'test',
    parameters: { node: { description: 'which node', required: true } },
    build: () => [
      { name: 'one', steps: [step('a'), step('b')] },
      { name: 'two', steps: [step('c')] },
    ],
  };
}

describe('plan runner', () => {
  const store = createStore(path.join(dir, 'state.db'));
  const saved: string[] = [];
  const runner = new PlanRunner(
    store,
    (_t, _s, say) => ({ say }) as unknown as ServiceOps,
    () => undefined,
    (tenant, service, plan) => saved.push(`${tenant}/${service}/${plan.name} ${plan.status}`),
  );

  it('runs steps in order, persisting each status, and refuses bad parameters', async () => {
    const log: string[] = [];
    assert.throws(
      () => runner.start('t', 'svc', 'op', operation(log, {}), {}),
      /PLAN_PARAMETERS_INVALID|needs "node"/,
    );
    assert.throws(
      () => runner.start('t', 'svc', 'op', operation(log, {}), { node: 'x', extra: 'y' }),
      /no parameter "extra"/,
    );
    runner.start('t', 'svc', 'op', operation(log, {}), { node: 'n1' });
    await runner.settled('t', 'svc', 'op');
    assert.deepEqual(log, ['a', 'b', 'c']);
    const plan = store.plans.get('t', 'svc', 'op')!;
    assert.equal(plan.status, 'COMPLETE');
    assert.deepEqual(plan.parameters, { node: 'n1' });
    // Each write is told (the daemon's plan_status events): made, then every step, then done.
    assert.equal(saved[0], 't/svc/op PENDING');
    assert.equal(saved.at(-1), 't/svc/op COMPLETE');
    assert.ok(saved.length >= 4, saved.join('\n'));
  });

  it('a failed step leaves ERROR; continue retries it and finishes', async () => {
    const log: string[] = [];
    const op = operation(log, { fail: 'b' });
    runner.start('t', 'svc', 'flaky', op, { node: 'n1' });
    await runner.settled('t', 'svc', 'flaky');
    let plan = store.plans.get('t', 'svc', 'flaky')!;
    assert.equal(plan.status, 'ERROR');
    assert.deepEqual(plan.errors, ['b: b broke']);
    assert.deepEqual(log, ['a']);
    runner.continue('t', 'svc', 'flaky', op);
    await runner.settled('t', 'svc', 'flaky');
    plan = store.plans.get('t', 'svc', 'flaky')!;
    assert.equal(plan.status, 'COMPLETE');
    assert.deepEqual(log, ['a', 'b', 'c'], 'a is not run twice');
  });

  it('stop interrupts after the current step; a restarted daemon leaves a running plan WAITING', async () => {
    const log: string[] = [];
    let release!: () => void;
    const op = operation(log, { hold: new Promise<void>((r) => (release = r)) });
    runner.start('t', 'svc', 'long', op, { node: 'n1' });
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(store.plans.get('t', 'svc', 'long')!.phases[0]!.steps[1]!.message, 'b working');
    runner.stop('t', 'svc', 'long');
    release();
    await runner.settled('t', 'svc', 'long');
    const plan = store.plans.get('t', 'svc', 'long')!;
    assert.equal(plan.status, 'WAITING');
    assert.deepEqual(log, ['a', 'b']);

    // As if the daemon died mid-step: the next one does not resume behind the operator's back.
    plan.phases[1]!.steps[0]!.status = 'STARTING';
    store.plans.put('t', 'svc', { ...plan, status: 'STARTING' }, 0);
    new PlanRunner(
      store,
      () => ({}) as ServiceOps,
      () => undefined,
    ).recover();
    const recovered = store.plans.get('t', 'svc', 'long')!;
    assert.equal(recovered.status, 'WAITING');
    assert.match(recovered.phases[1]!.steps[0]!.message, /daemon restart/);
  });

  it('refuses a second plan on a service while one is under way, with PLAN_CONFLICT', async () => {
    const log: string[] = [];
    runner.start('t', 'ring', 'flaky', operation(log, { fail: 'a' }), { node: 'n1' });
    await runner.settled('t', 'ring', 'flaky');
    assert.equal(store.plans.get('t', 'ring', 'flaky')!.status, 'ERROR');
    let release!: () => void;
    const held = operation(log, { hold: new Promise<void>((r) => (release = r)) });
    runner.start('t', 'ring', 'replace', held, { node: 'n1' });
    await new Promise((r) => setTimeout(r, 20));
    const conflict = (err: Error & { code?: string }) =>
      err.code === 'PLAN_CONFLICT' && /"replace"/.test(err.message);
    assert.throws(() => runner.start('t', 'ring', 'scale', operation(log, {}), { node: 'n3' }), conflict);
    assert.throws(() => runner.continue('t', 'ring', 'flaky', operation(log, {})), conflict);
    assert.equal(store.plans.get('t', 'ring', 'scale'), null, 'the refused plan left nothing behind');
    // Another service's plans are not held up.
    runner.start('t', 'other', 'scale', operation([], {}), { node: 'n2' });
    await runner.settled('t', 'other', 'scale');
    assert.equal(store.plans.get('t', 'other', 'scale')!.status, 'COMPLETE');
    release();
    await runner.settled('t', 'ring', 'replace');
    runner.continue('t', 'ring', 'flaky', operation(log, {}));
    await runner.settled('t', 'ring', 'flaky');
    assert.equal(store.plans.get('t', 'ring', 'flaky')!.status, 'COMPLETE');
  });

  it('rolls statuses up as DC/OS does, and reads the deploy plan from the tasks', () => {
    assert.equal(rollUp(['COMPLETE', 'PENDING']), 'STARTING');
    assert.equal(rollUp(['COMPLETE', 'ERROR']), 'ERROR');
    assert.equal(rollUp(['PENDING', 'PENDING']), 'PENDING');
    assert.equal(rollUp(['COMPLETE', 'WAITING']), 'WAITING');
    assert.equal(deployPlan([], 'quota: cpus').status, 'WAITING');
  });
});
