import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { FlotillaError } from '../core/errors.js';
import { Deployer } from './deployer.js';
import { DeployHarness } from './testing/harness.js';

const RING = 'name: data\nservices:\n  ring: { package: cassandra, options: { nodes: 3 } }\n';

/** Plan steps' redeploys against the real planner and scheduler, on a fake host with 4 nodes. */
describe('redeploys by plans', () => {
  let h: DeployHarness;
  let deployer: Deployer;

  beforeEach(async () => {
    h = new DeployHarness(4);
    await h.apply(RING);
    deployer = new Deployer(h.ctx, {
      enqueue: () => undefined,
      publish: () => undefined,
      log: () => undefined,
      now: () => 1,
    });
  });
  afterEach(() => h.close());

  it('tell whether what they add fits, committing nothing', async () => {
    const before = h.snapshot();
    const fits = await deployer.planRedeploy('default', 'ring', { options: { nodes: 4 } });
    assert.deepEqual(fits.waiting, []);
    // One Cassandra node per Flotilla node: a fifth has nowhere to go.
    const tooMany = await deployer.planRedeploy('default', 'ring', { options: { nodes: 5 } });
    assert.equal(tooMany.waiting.length, 1);
    assert.equal(tooMany.waiting[0]!.name, 'ring');
    assert.match(tooMany.waiting[0]!.reason, /\S/);
    assert.equal(h.snapshot(), before, 'a planned redeploy writes nothing');
  });

  it('after a scale plan, an older stack file is refused instead of shrinking the ring', async () => {
    // As `cassandra scale ring 4` does in its deploy step.
    await deployer.redeploy('default', 'ring', { options: { nodes: 4 }, state: { scaledTo: '4' } });
    assert.equal(h.store.tasks.byOwner('default', 'ring').length, 4);
    const before = h.snapshot();
    await assert.rejects(
      h.apply(RING),
      (err: FlotillaError) =>
        err.code === 'STACK_OUT_OF_DATE' &&
        /asks for 3 nodes/.test(err.message) &&
        /nodes: 4/.test(err.message) &&
        /cassandra scale ring 3/.test(err.message),
    );
    assert.equal(h.snapshot(), before);
    // A file that agrees applies, and changes nothing.
    const agreed = await h.apply(RING.replace('nodes: 3', 'nodes: 4'));
    assert.deepEqual(agreed.touched, []);
  });
});
