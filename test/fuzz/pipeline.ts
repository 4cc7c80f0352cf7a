import { appDeclaration, serviceDeclaration } from '../../src/core/declaration.js';
import { ERRORS, FlotillaError, isFlotillaError, type ErrorCode } from '../../src/core/errors.js';
import { shapeProblem } from '../../src/api/http-errors.js';
import { readApp } from '../../src/daemon/control-plane.js';
import { Reader, checkName } from '../../src/specs/check.js';
import { planDeploy, type DeployPlan } from '../../src/deploy/plan.js';
import type { DeployHarness } from '../../src/deploy/testing/harness.js';

/**
 * Each kind of input through the path the daemon takes with it, on a deploy harness (a real store,
 * a fake host): parsing, then planning, which admits, renders and refuses what can never run.
 * Nothing is committed, so every case meets the same empty store.
 */

export type Outcome = { kind: 'accepted'; plan: DeployPlan } | { kind: 'refused'; code: ErrorCode };

/** A refusal is a coded, documented error other than INTERNAL; anything else is a crash, thrown on. */
export async function outcome(run: () => Promise<DeployPlan>): Promise<Outcome> {
  try {
    return { kind: 'accepted', plan: await run() };
  } catch (err) {
    if (isFlotillaError(err) && err.code in ERRORS && err.code !== 'INTERNAL')
      return { kind: 'refused', code: err.code };
    throw err;
  }
}

/** A stack or Compose file, as PUT /v1/stacks/{name} (and `up`) read it. */
export function stackFile(h: DeployHarness, text: string): Promise<Outcome> {
  return outcome(() => h.plan(text, 'default', { name: 'fuzz' }));
}

/** A JSON body as the HTTP layer takes it: counted before it is built, an object for an app route. */
function jsonBody(body: unknown): void {
  const text = JSON.stringify(body);
  const problem = text === undefined ? null : shapeProblem(text);
  if (problem) throw new FlotillaError('INPUT_TOO_COMPLEX', `the request body ${problem}`);
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new FlotillaError('VALIDATION_FAILED', 'body must be object');
}

/** A Marathon app definition, as POST /v1/apps (and `app add`) read it. */
export function marathonApp(h: DeployHarness, body: unknown): Promise<Outcome> {
  return outcome(async () => {
    jsonBody(body);
    const { app } = readApp(body);
    return planDeploy(h.ctx, {
      tenant: 'default',
      stack: null,
      declarations: [appDeclaration(app)],
      prune: false,
      createOnly: true,
    });
  });
}

/** A package's options, as POST /v1/services (and `package install --options`) read them. */
export function packageInstall(
  h: DeployHarness,
  install: { name: string; package: string; version: string; options: unknown },
): Promise<Outcome> {
  return outcome(async () => {
    jsonBody(install.options);
    checkName(new Reader('VALIDATION_FAILED', 'service'), install.name, 'name');
    return planDeploy(h.ctx, {
      tenant: 'default',
      stack: null,
      declarations: [
        serviceDeclaration({
          name: install.name,
          package: install.package,
          version: install.version,
          options: install.options as Record<string, unknown>,
          dependsOn: [],
        }),
      ],
      prune: false,
      createOnly: true,
    });
  });
}
