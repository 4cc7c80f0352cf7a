import { FlotillaError, isFlotillaError } from '../core/errors.js';
import { parseApp } from '../specs/app.js';
import type { AppAccess } from '../specs/app-container.js';
import { unsetWarning, withVariables } from '../specs/stack.js';

/**
 * A Marathon app definition sent to the apps API (which may run in a container, within `access`):
 * no variables come with it, so each `${VAR}` in its env or args is
 * blank, and said so; its references are resolved against the tenant's services at deploy.
 */
export function readApp(
  body: unknown,
  access?: AppAccess,
): { app: ReturnType<typeof parseApp>; warnings: string[] | undefined } {
  const unset = new Set<string>();
  let raw = body;
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    const scope = {
      variables: {},
      services: null,
      apps: new Set<string>(),
      unset: (v: string) => unset.add(v),
    };
    try {
      raw = withVariables(body as Record<string, unknown>, scope, 'app');
    } catch (err) {
      // A required variable (`${VAR:?…}`) is a field of the app definition to fix, as any other.
      if (isFlotillaError(err) && err.code === 'STACK_INVALID')
        throw new FlotillaError('APP_INVALID', err.message);
      throw err;
    }
  }
  return {
    app: parseApp(raw, 'app', access),
    warnings: unset.size > 0 ? [...unset].map(unsetWarning) : undefined,
  };
}
