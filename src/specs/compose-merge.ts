import { isMapping } from '../core/compose-format.js';
/**
 * Compose's merge rules, for override files (`-f a.yml -f b.yml`, docker-compose.override.yml) and
 * `extends`: mappings merge key by key; `command`, `entrypoint` and a healthcheck's `test` are
 * replaced; `environment`, `labels`, `extra_hosts`, `sysctls`, build `args` merge as mappings (a list
 * is read as KEY=VALUE); `volumes` merge by container path, `secrets`/`configs` by source, `ports` and
 * the other lists are joined without duplicates.
 */

type Data = Record<string, unknown>;

const REPLACED = new Set(['command', 'entrypoint', 'test', 'profiles']);
const AS_MAPPING = new Set(['environment', 'labels', 'extra_hosts', 'sysctls', 'args', 'annotations']);

/** Two whole documents: the override's services, volumes, networks, … merged into the base's. */
export function mergeDocuments(base: Data, over: Data): Data {
  const out: Data = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (key === 'services' && isMapping(value) && isMapping(base.services)) {
      const services: Data = { ...base.services };
      for (const [name, svc] of Object.entries(value))
        services[name] =
          isMapping(services[name]) && isMapping(svc) ? mergeService(services[name], svc) : svc;
      out.services = services;
    } else if (isMapping(value) && isMapping(base[key])) {
      out[key] = mergeValue(key, base[key], value);
    } else if (key === 'include' && Array.isArray(value) && Array.isArray(base.include)) {
      out.include = [...base.include, ...value];
    } else out[key] = value;
  }
  return out;
}

export function mergeService(base: Data, over: Data): Data {
  const out: Data = { ...base };
  for (const [key, value] of Object.entries(over)) out[key] = mergeValue(key, base[key], value);
  return out;
}

function mergeValue(key: string, base: unknown, over: unknown): unknown {
  if (base === undefined || base === null || over === null) return over;
  if (REPLACED.has(key)) return over;
  if (AS_MAPPING.has(key)) return { ...asMapping(base), ...asMapping(over) };
  if (key === 'volumes' && Array.isArray(base) && Array.isArray(over)) return byKey(base, over, mountTarget);
  if ((key === 'secrets' || key === 'configs') && Array.isArray(base) && Array.isArray(over))
    return byKey(base, over, (v) => (isMapping(v) ? String(v.source) : String(v)));
  if ((key === 'depends_on' || key === 'networks') && (Array.isArray(base) || Array.isArray(over)))
    return mergeValue(`${key}-mapping`, listToKeys(base), listToKeys(over));
  if (Array.isArray(base) && Array.isArray(over)) {
    const seen = new Set(base.map((v) => JSON.stringify(v)));
    return [...base, ...over.filter((v) => !seen.has(JSON.stringify(v)))];
  }
  if (isMapping(base) && isMapping(over)) {
    const out: Data = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = mergeValue(k, base[k], v);
    return out;
  }
  return over;
}

/** `["A=1", "B"]` as `{A: "1", B: null}`; a mapping as it is. */
export function asMapping(v: unknown): Data {
  if (isMapping(v)) return v;
  if (!Array.isArray(v)) return {};
  return Object.fromEntries(
    v.map((item) => {
      const text = String(item);
      const eq = text.indexOf('=');
      return eq < 0 ? [text, null] : [text.slice(0, eq), text.slice(eq + 1)];
    }),
  );
}

function listToKeys(v: unknown): Data {
  return Array.isArray(v) ? Object.fromEntries(v.map((n) => [String(n), null])) : isMapping(v) ? v : {};
}

function mountTarget(v: unknown): string {
  if (isMapping(v)) return String(v.target);
  const parts = String(v).split(':');
  return parts.length === 1 ? parts[0]! : parts[1]!;
}

function byKey(base: unknown[], over: unknown[], key: (v: unknown) => string): unknown[] {
  const out = new Map<string, unknown>();
  for (const v of base) out.set(key(v), v);
  for (const v of over) out.set(key(v), v);
  return [...out.values()];
}
