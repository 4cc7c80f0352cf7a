import { FlotillaError } from './errors.js';

/**
 * Compose's names and the DNS-safe names Flotilla needs where a name must be one (task keys, DNS
 * records, container and cgroup names). Compose allows `[a-zA-Z0-9][a-zA-Z0-9_.-]*` for services,
 * networks and volumes; a project name is lowercase letters, digits, `_` and `-`.
 */
export const COMPOSE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** Lowercase, `_` and `.` (and anything else outside a DNS label) as `-`, at most 63 characters. */
export function dnsSafeName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, 63)
    .replace(/-+$/, '');
}

/**
 * A project name as Compose derives it from a folder or a `name:` (lowercase; only letters, digits,
 * `_` and `-`; starting with a letter or digit), then made DNS-safe for Flotilla's stack name.
 */
export function composeProjectName(raw: string): string {
  const compose = raw.toLowerCase().replace(/[^a-z0-9_-]/g, '');
  return dnsSafeName(compose.replace(/^[_-]+/, ''));
}

/**
 * Maps each written name to its DNS-safe form, refusing a name Compose refuses (STACK_INVALID) and
 * two names that become the same (COMPOSE_NAME_COLLISION).
 */
export function mapComposeNames(names: Iterable<string>, kind: string): Map<string, string> {
  const out = new Map<string, string>();
  const taken = new Map<string, string>();
  for (const name of names) {
    if (!COMPOSE_NAME.test(name)) {
      throw new FlotillaError(
        'STACK_INVALID',
        `${kind}.${name}: "${name}" is not a valid Compose name: start with a letter or digit, then letters, digits, "_", "." or "-"`,
      );
    }
    const safe = dnsSafeName(name);
    if (safe === '')
      throw new FlotillaError(
        'STACK_INVALID',
        `${kind}.${name}: "${name}" has no letter or digit to name it by`,
      );
    const other = taken.get(safe);
    if (other !== undefined) {
      throw new FlotillaError(
        'COMPOSE_NAME_COLLISION',
        `${kind}.${name}: "${name}" and "${other}" both become "${safe}" where a DNS-safe name is needed; rename one`,
        { names: [other, name], mapped: safe },
      );
    }
    taken.set(safe, name);
    out.set(name, safe);
  }
  return out;
}
