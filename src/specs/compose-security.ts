import { FlotillaError } from '../core/errors.js';

/** `security_opt` values that take a confinement away (seccomp, AppArmor, SELinux labels, masked paths). */
const UNCONFINING =
  /^(seccomp[=:]unconfined|apparmor[=:]unconfined|label[=:]disable|systempaths[=:]unconfined)$/;

/** Namespace keys whose value shares the host's namespace (or another container's) instead of the task's own. */
const NAMESPACES = ['network_mode', 'pid', 'ipc', 'userns_mode', 'uts', 'cgroup'] as const;

/**
 * The Compose keys that would let a tenant's container reach outside its tenant — the host's
 * devices, namespaces or full privileges — refused with SECURITY_REFUSED for a caller that is not a
 * cluster admin, before anything else is read (docs/security.md). A cluster admin may use them.
 */
export function checkTenantSafe(body: Record<string, unknown>, at: string): void {
  const refuse = (key: string, what: string): never => {
    throw new FlotillaError(
      'SECURITY_REFUSED',
      `${at}.${key}: ${what} would reach outside the tenant; only a cluster admin may use it`,
      { path: `${at}.${key}` },
    );
  };
  if (body.privileged === true || body.privileged === 'true') refuse('privileged', 'a privileged container');
  if (nonEmpty(body.cap_add)) refuse('cap_add', 'an added capability');
  if (nonEmpty(body.devices) || nonEmpty(body.device_cgroup_rules)) refuse('devices', "the host's devices");
  for (const key of NAMESPACES) {
    const v = body[key];
    if (typeof v === 'string' && (v === 'host' || v.startsWith('container:') || v.startsWith('service:')))
      refuse(key, `the namespace "${v}"`);
  }
  const opts = Array.isArray(body.security_opt) ? body.security_opt : [];
  const loose = opts.find((o) => typeof o === 'string' && UNCONFINING.test(o.trim()));
  if (loose !== undefined) refuse('security_opt', `"${String(loose)}"`);
}

function nonEmpty(v: unknown): boolean {
  return Array.isArray(v) ? v.length > 0 : v !== undefined && v !== null && v !== '';
}
