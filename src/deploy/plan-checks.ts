import { declaredName, type Declaration, type ServiceEntry } from '../core/declaration.js';
import { FlotillaError } from '../core/errors.js';
import type { LaunchSpec } from '../core/task.js';
import type { PackageDefinition } from '../catalog/package.js';
import type { Store } from '../state/store.js';
import type { DeployHost } from './host.js';

/** What planning checks of a request and its owners before it renders, and what it marks after. */

/**
 * A container refers to a service through `${svc.field}`: where the daemon cannot carry containers to
 * process tasks (it is not root), that service must run in containers too, since a host process
 * listens on a loopback address no container can reach.
 */
export function checkReachable(
  where: string,
  refs: { owner: string }[],
  contained: Map<string, boolean>,
): void {
  const onHost = refs.find((r) => contained.get(r.owner) === false);
  if (onHost)
    throw new FlotillaError(
      'STACK_INVALID',
      `${where} runs in a container and refers to "${onHost.owner}", which runs on the process driver: ` +
        `a container cannot reach its loopback address unless the daemon runs as root. Give "${onHost.owner}" \`driver: docker\` too.`,
    );
}

/** The image a service's containers run: the user's own (`image:`), else the package's catalog image. */
export function containerImage(
  host: DeployHost,
  entry: ServiceEntry,
  pkg: PackageDefinition,
  options: Record<string, unknown>,
): string {
  if (pkg.noContainers)
    throw new FlotillaError(
      'DRIVER_UNSUPPORTED',
      `services.${entry.name}: ${pkg.name} cannot run in containers yet: ${pkg.noContainers}`,
    );
  if (entry.image) return entry.image;
  if (!host.image)
    throw new FlotillaError(
      'DRIVER_UNSUPPORTED',
      'this daemon has no Docker driver: it cannot run services in containers',
    );
  return host.image(pkg, options);
}

export function checkOwnership(
  store: Store,
  req: { tenant: string; stack: string | null; createOnly: boolean; declarations: Declaration[] },
): void {
  for (const d of req.declarations) {
    const name = declaredName(d);
    const svc = store.services.get(req.tenant, name);
    const existing = svc ?? store.apps.get(req.tenant, name);
    if (!existing) continue;
    const existingKind = svc ? 'service' : 'app';
    const owner = existing.stack === null ? 'standalone' : `stack "${existing.stack}"`;
    if (req.createOnly) {
      throw new FlotillaError('NAME_CONFLICT', `${existingKind} "${name}" already exists (${owner})`);
    }
    if (existingKind !== d.kind || existing.stack !== req.stack) {
      throw new FlotillaError(
        'NAME_CONFLICT',
        `"${name}" is already a ${existingKind} of ${owner}; a ${d.kind} of ${req.stack === null ? 'no stack' : `stack "${req.stack}"`} cannot take its name`,
      );
    }
  }
}

/** Env values that carry a secret (a password inside a URL, say) are never shown by the API. */
export function markSecrets(spec: LaunchSpec, endpoints: Map<string, Record<string, string>>): void {
  const secrets = [...endpoints.values()].map((v) => v.password).filter((p): p is string => !!p);
  spec.secretEnv = Object.entries(spec.env)
    .filter(([, v]) => secrets.some((s) => v.includes(s) || v.includes(encodeURIComponent(s))))
    .map(([k]) => k);
}
