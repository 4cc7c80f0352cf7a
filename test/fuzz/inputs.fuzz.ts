import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { DeployHarness } from '../../src/deploy/testing/harness.js';
import {
  composeData,
  COMPOSE_IMAGE,
  marathonApp,
  mutated,
  packageOptions,
  stackData,
  yamlText,
} from './generators.js';
import { launchSample, type Sample } from './launch.js';
import * as pipeline from './pipeline.js';

/**
 * Property-based fuzzing of every kind of input a user hands Flotilla (npm run test:fuzz): stack
 * files, Compose files, Marathon app definitions and package options, valid and mutated. Properties:
 * no input crashes the daemon's path (every refusal is a documented code, never INTERNAL), and a
 * sample of what is accepted is launched for real and becomes ready.
 *
 * FLOTILLA_FUZZ_RUNS (default 10,000) cases of each kind; FLOTILLA_FUZZ_LAUNCH (default 3) accepted
 * cases of each kind launched; FLOTILLA_FUZZ_SEED replays a run.
 */
const RUNS = Number(process.env.FLOTILLA_FUZZ_RUNS ?? 10_000);
const LAUNCH = Number(process.env.FLOTILLA_FUZZ_LAUNCH ?? 3);
const SEED = process.env.FLOTILLA_FUZZ_SEED ? Number(process.env.FLOTILLA_FUZZ_SEED) : undefined;

interface Tally {
  cases: number;
  accepted: number;
  refused: Record<string, number>;
  ms: number;
}

const tallies: Record<string, Tally> = {};
const samples: Sample[] = [];

async function fuzz<T>(
  kind: string,
  arb: fc.Arbitrary<{ valid: boolean; input: T }>,
  run: (h: DeployHarness, input: T) => Promise<pipeline.Outcome>,
  sample: (input: T) => Sample | null,
): Promise<void> {
  const h = new DeployHarness(3);
  // The images this machine has for Compose services (scripts/test-images.sh builds them).
  h.docker.images = new Set([COMPOSE_IMAGE]);
  const tally: Tally = { cases: 0, accepted: 0, refused: {}, ms: 0 };
  tallies[kind] = tally;
  const started = performance.now();
  let taken = 0;
  try {
    await fc.assert(
      fc.asyncProperty(arb, async ({ valid, input }) => {
        const result = await run(h, input);
        tally.cases++;
        if (result.kind === 'refused') {
          tally.refused[result.code] = (tally.refused[result.code] ?? 0) + 1;
          return;
        }
        tally.accepted++;
        // Valid cases first: what the docs say works must start; mutated ones too, once.
        if (taken < LAUNCH && (valid || taken === LAUNCH - 1)) {
          const s = sample(input);
          if (s) {
            samples.push(valid ? s : { ...s, mutated: true });
            taken++;
          }
        }
      }),
      { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}), endOnFailure: true },
    );
  } finally {
    tally.ms = performance.now() - started;
    h.close();
    console.log(`${kind}: ${JSON.stringify(tally)}`);
  }
}

const either = <T>(valid: fc.Arbitrary<T>, broken: fc.Arbitrary<unknown>) =>
  fc.oneof(
    valid.map((input) => ({ valid: true, input: input as unknown })),
    broken.map((input) => ({ valid: false, input })),
  );

describe(`fuzzing: ${RUNS} cases of each kind of input`, () => {
  it('stack files', async () => {
    await fuzz(
      'stack files',
      fc.oneof(
        stackData.map((d) => ({ valid: true, input: stringify(d) })),
        yamlText(mutated(stackData)).map((input) => ({ valid: false, input })),
      ),
      pipeline.stackFile,
      (text) => ({ kind: 'stack', text }),
    );
  });

  it('Compose files', async () => {
    await fuzz(
      'Compose files',
      fc.oneof(
        composeData.map((d) => ({ valid: true, input: stringify(d) })),
        yamlText(mutated(composeData)).map((input) => ({ valid: false, input })),
      ),
      pipeline.stackFile,
      (text) => ({ kind: 'compose', text }),
    );
  });

  it('Marathon app definitions', async () => {
    await fuzz('Marathon apps', either(marathonApp, mutated(marathonApp)), pipeline.marathonApp, (body) => ({
      kind: 'app',
      body,
    }));
  });

  it('package options', async () => {
    await fuzz(
      'package options',
      either(
        packageOptions,
        packageOptions.chain((p) => mutated(fc.constant(p.options)).map((options) => ({ ...p, options }))),
      ),
      (h, input) =>
        pipeline.packageInstall(
          h,
          input as { name: string; package: string; version: string; options: unknown },
        ),
      (input) => {
        const p = input as { package: string; options: unknown };
        // The JVM packages need their jars from Maven Central; redis runs from what setup installs.
        return p.package === 'redis' ? { kind: 'service', package: 'redis', options: p.options } : null;
      },
    );
  });
});

describe('accepted cases, launched for real', () => {
  let launched: Awaited<ReturnType<typeof launchSample>> | null = null;
  before(async () => {
    launched = await launchSample(samples);
  });
  after(() => {
    console.log(`fuzzing figures: ${JSON.stringify({ runs: RUNS, tallies, launched: launched?.figures })}`);
  });

  it('every accepted case that a real daemon accepts too becomes ready; /v1/health answers within 100 ms throughout', () => {
    assert.ok(launched);
    assert.deepEqual(launched.failures, [], launched.failures.join('\n'));
    assert.ok(launched.figures.ready > 0, 'at least one case was launched');
    assert.ok(
      launched.figures.healthMaxMs <= 100,
      `/v1/health took ${launched.figures.healthMaxMs} ms at worst (${launched.figures.healthAnswers} answers)`,
    );
  });
});
