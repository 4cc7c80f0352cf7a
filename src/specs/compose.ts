import type { AppSpec } from '../core/app.js';
import { readYaml } from '../core/yaml-text.js';
import { isMapping } from '../core/compose-format.js';
import { hostPath } from './compose-host.js';
import { Reader } from './check.js';
import { invalid, object, optObject, str } from './compose-read.js';
import { loadCompose } from './compose-load.js';
import {
  NETWORK_KEYS,
  SECRET_KEYS,
  VOLUME_KEYS,
  checkKeys,
  type KeyTable,
  type Warn,
} from './compose-keys.js';
import { mapComposeNames } from '../core/compose-names.js';
import { readService, type ComposeService } from './compose-service.js';
import { appDeclaration } from '../core/declaration.js';
import { checkGraph, unsetWarning, type StackSpec } from './stack.js';

/**
 * Docker Compose files, run as they are: each Compose service becomes a container app (driver docker)
 * of one stack. docs/compose.md tells how each key maps and what is refused.
 */

export interface ComposeOptions {
  /** The stack's name when the file has no top-level `name:`. */
  name?: string;
  /** Absolute path of the file's folder: relative paths and `.env` are read from there. */
  directory?: string;
  /** Variables to interpolate (the CLI's environment entries the file refers to); they win over `.env`. */
  variables?: Record<string, string>;
  /** Active profiles: a service with `profiles:` runs only when one of them is here. */
  profiles?: string[];
  /** Host paths (bind mounts, env_file, build contexts, the folder) must lie in here; unset: anywhere. */
  allowedRoot?: string;
  /** Override files' data (YAML already read), merged over the file in order (`-f a.yml -f b.yml`). */
  overrideData?: unknown[];
  /** Env files that feed interpolation instead of the folder's `.env` (`--env-file`), relative to the folder. */
  envFiles?: string[];
  /** Where a port without a host address is published (FLOTILLA_PUBLISH_IP); unset: its task's virtual node. */
  publishIp?: string | undefined;
}

export function parseCompose(source: string, opts: ComposeOptions = {}): StackSpec {
  return parseComposeDocument(readYaml(source, { what: 'the Compose file', code: 'STACK_INVALID' }), opts);
}

/** A Compose file's data (YAML already read, merge keys applied). */
export function parseComposeDocument(data: unknown, opts: ComposeOptions = {}): StackSpec {
  const { top, vars, unset, lines, warn, host, name } = loadCompose(data, opts);
  const { directory } = opts;
  const volumes = readDeclared('volumes', top.volumes, VOLUME_KEYS, warn, {
    name: 'local',
    why: 'volumes are local to this engine',
  });
  const networks = readDeclared('networks', top.networks, NETWORK_KEYS, warn, {
    name: 'bridge',
    why: 'a stack has one bridge network',
  });
  const body = object(top.services, 'services');
  if (Object.keys(body).length === 0) invalid('services', 'names no service');
  mapComposeNames(volumes, 'volumes');
  mapComposeNames(networks, 'networks');
  const ids = mapComposeNames(
    Object.keys(body).filter((k) => !k.startsWith('x-')),
    'services',
  );
  const ctx = {
    stack: name,
    directory,
    allowedRoot: opts.allowedRoot,
    publishIp: opts.publishIp,
    vars,
    volumes,
    networks,
    warn,
    secrets: readFileObjects('secrets', top.secrets, host, warn),
    configs: readFileObjects('configs', top.configs, host, warn),
  };
  const all = new Map<string, ComposeService>();
  for (const [key, id] of ids) all.set(key, readService(key, id, body[key], ctx));
  const wanted = new Set(opts.profiles ?? []);
  const active = [...all.values()].filter(
    (s) => s.profiles.length === 0 || s.profiles.some((p) => wanted.has(p)),
  );
  const activeNames = new Set(active.map((s) => s.name));
  for (const s of active) {
    const at = `services.${s.name}.depends_on`;
    for (const d of s.dependsOn) {
      const target = all.get(d.name);
      if (!target) {
        if (d.required) invalid(at, `names "${d.name}", which the file does not declare`);
      } else if (!activeNames.has(d.name)) {
        if (d.required)
          invalid(
            at,
            `names "${d.name}", which runs only with the profile ${target.profiles.join(' or ')}: ` +
              `add --profile ${target.profiles[0]}`,
          );
      } else if (!s.app.dependencies.includes(target.app.id)) {
        s.app.dependencies.push(target.app.id);
        s.app.dependsOnCondition = { ...s.app.dependsOnCondition, [target.app.id]: d.condition };
      }
    }
  }
  if (active.some((s) => s.app.container?.publish.some((p) => p.hostIp === undefined)))
    lines.push(
      'ports: a port without a host address is published on the loopback address of its task (127.0.10.N); write "0.0.0.0:HOST:CONTAINER" to publish on every interface (a daemon with FLOTILLA_PUBLISH_IP=0.0.0.0 does so for every port)',
    );
  const warnings = [...[...unset].map(unsetWarning), ...lines];
  const spec: StackSpec = {
    name,
    declarations: active.map((s) => appDeclaration(literal(s.app))),
    ...(warnings.length > 0 ? { warnings } : {}),
  };
  checkGraph(new Reader('STACK_INVALID', 'services'), spec);
  return spec;
}

/**
 * Top-level `secrets:` or `configs:`: each name with its host file (`file:`), or undefined for one
 * from the environment, inline `content` or `external` (the service reading it is warned).
 */
function readFileObjects(
  kind: 'secrets' | 'configs',
  value: unknown,
  host: { directory: string | undefined; allowedRoot?: string | undefined },
  warn: Warn,
): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (const [name, raw] of Object.entries(optObject(value, kind))) {
    if (name.startsWith('x-')) continue;
    const at = `${kind}.${name}`;
    const body = optObject(raw, at);
    checkKeys(body, at, SECRET_KEYS, warn);
    out.set(name, body.file ? hostPath(str(body.file, `${at}.file`), `${at}.file`, host) : undefined);
  }
  return out;
}

/**
 * The names a top-level `volumes:` or `networks:` declares, each with the one driver Flotilla has
 * for it: volumes are local, and every network of the file is the stack's one bridge network
 * (declaring several only adds names).
 */
function readDeclared(
  kind: 'volumes' | 'networks',
  value: unknown,
  keys: KeyTable,
  warn: Warn,
  driver: { name: string; why: string },
): Set<string> {
  const names = new Set<string>();
  const what = kind === 'volumes' ? 'volume' : 'network';
  for (const [name, raw] of Object.entries(optObject(value, kind))) {
    if (name.startsWith('x-')) continue;
    const at = `${kind}.${name}`;
    const body = optObject(raw, at);
    checkKeys(body, at, keys, warn);
    if (body.driver !== undefined && body.driver !== null && str(body.driver, `${at}.driver`) !== driver.name)
      warn(`${at}.driver`, `the ${what} driver "${String(body.driver)}" is ignored: ${driver.why}`);
    if (
      body.external === true ||
      body.external === 'true' ||
      (isMapping(body.external) && body.external.name)
    )
      warn(`${at}.external`, `an existing ${what} is not used: the stack creates its own "${name}"`);
    names.add(name);
  }
  return names;
}

const FLOTILLA_REFERENCE = /\$\{([a-z0-9][a-z0-9-]*\.[A-Za-z0-9_]+)\}/g;

/**
 * A Compose file means what Compose makes of it: a `${db.host}` left after interpolation (written
 * `$${db.host}`) is literal text, so it is escaped from Flotilla's own `${service.field}` references.
 */
function literal(app: AppSpec): AppSpec {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return v.replace(FLOTILLA_REFERENCE, '$$$${$1}');
    if (Array.isArray(v)) return v.map(walk);
    if (isMapping(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(app) as AppSpec;
}
