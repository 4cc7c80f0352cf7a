import path from 'node:path';
import { readYaml } from '../core/yaml-text.js';
import { loadCompose } from './compose-load.js';
import { isMapping } from '../core/compose-format.js';
import { asMapping } from './compose-merge.js';
import { keyValues } from './compose-read.js';
import { configService } from './compose-config-service.js';
import { ordered, plain, sortGoKeys, stringMap } from './compose-config-values.js';
import { goYaml, type GoYaml } from './compose-config-yaml.js';
import { parseComposeDocument, type ComposeOptions } from './compose.js';

/**
 * `flotilla compose config`: the file's model as `docker compose config` (Compose v5) prints it —
 * override files merged, includes and extends resolved, variables interpolated (COMPOSE_PROJECT_NAME
 * too), the services of inactive profiles left out with the networks, volumes, secrets and configs no
 * service uses, and the short forms written long (compose-config-service.ts), in compose-go's key
 * order and go-yaml's text (compose-config-yaml.ts), every `$` doubled as Compose doubles it.
 * The file is read as `up` reads it first, so what `up` refuses is refused here too.
 * test/fixtures/compose/* /expected-config.yaml are real Compose's output (scripts/record-compose-config.sh).
 */
export interface ComposeConfig {
  name: string;
  model: Record<string, unknown>;
  yaml: string;
  warnings: string[];
}

export function composeConfigSource(source: string, opts: ComposeOptions = {}): ComposeConfig {
  return composeConfig(readYaml(source, { what: 'the Compose file', code: 'STACK_INVALID' }), opts);
}

export function composeConfig(data: unknown, opts: ComposeOptions = {}): ComposeConfig {
  const spec = parseComposeDocument(data, opts);
  const { top, vars, name } = loadCompose(data, opts, { extensions: true });
  const wanted = new Set(opts.profiles ?? []);
  const apps = spec.declarations.flatMap((d) => (d.kind === 'app' ? [d.app] : []));
  const services: Record<string, GoYaml> = {};
  for (const [svcName, raw] of Object.entries(asMapping(top.services))) {
    if (svcName.startsWith('x-') || !isMapping(raw)) continue;
    const profiles = Array.isArray(raw.profiles) ? raw.profiles.map(String) : [];
    if (profiles.length > 0 && !profiles.some((p) => wanted.has(p))) continue;
    const app = apps.find((a) => a.id === svcName || a.labels['com.docker.compose.service'] === svcName);
    const env = app?.env ?? keyValues(raw.environment, 'environment', (k) => vars[k]);
    services[svcName] = configService(svcName, raw, { directory: opts.directory, env });
  }
  const used = usedResources(Object.values(services));
  const model: Record<string, GoYaml> = { name, services: sortGoKeys(services) };
  const networks = { ...asMapping(top.networks) };
  if (used.networks.has('default') && !('default' in networks)) networks.default = null;
  const resources = [
    ['networks', networks, NETWORK],
    ['volumes', top.volumes, VOLUME],
    ['secrets', top.secrets, FILE_OBJECT],
    ['configs', top.configs, FILE_OBJECT],
  ] as const;
  for (const [kind, value, order] of resources) {
    const out: Record<string, GoYaml> = {};
    for (const [k, v] of Object.entries(asMapping(value))) {
      if (k.startsWith('x-') || !used[kind].has(k)) continue;
      out[k] = resource(k, v, name, order, opts.directory);
    }
    if (Object.keys(out).length > 0) model[kind] = sortGoKeys(out);
  }
  const ext = sortGoKeys(Object.fromEntries(Object.entries(top).filter(([k]) => k.startsWith('x-'))));
  for (const [k, v] of Object.entries(ext)) model[k] = plain(v);
  const yaml = goYaml(model).replaceAll('$', '$$$$');
  return { name, model, yaml, warnings: spec.warnings ?? [] };
}

const NETWORK = `name driver driver_opts ipam external internal attachable labels enable_ipv4
  enable_ipv6`.split(/\s+/);
const VOLUME = ['name', 'driver', 'driver_opts', 'external', 'labels'];
const FILE_OBJECT = `name file environment content external labels driver driver_opts
  template_driver`.split(/\s+/);

/** A top-level network, volume, secret or config: named `<project>_<key>` unless external or named. */
function resource(
  key: string,
  v: unknown,
  project: string,
  order: readonly string[],
  directory: string | undefined,
): GoYaml {
  const body = asMapping(v);
  const external = body.external === true;
  const file = typeof body.file === 'string' && directory ? { file: path.resolve(directory, body.file) } : {};
  return ordered(
    { ...body, name: body.name ?? (external ? key : `${project}_${key}`), ...file },
    {
      labels: stringMap,
      driver_opts: stringMap,
      external: (x) => (x === true ? true : undefined),
      internal: (x) => (x === true ? true : undefined),
      attachable: (x) => (x === true ? true : undefined),
    },
    [...order],
  );
}

/** What the services use, as Compose keeps only that (without --all). */
function usedResources(services: GoYaml[]) {
  const used = {
    networks: new Set<string>(),
    volumes: new Set<string>(),
    secrets: new Set<string>(),
    configs: new Set<string>(),
  };
  const sources = (list: GoYaml | undefined, into: Set<string>) => {
    for (const r of Array.isArray(list) ? list : [])
      if (isMapping(r) && typeof r.source === 'string') into.add(r.source);
  };
  for (const s of services) {
    if (!isMapping(s)) continue;
    for (const n of Object.keys(asMapping(s.networks))) used.networks.add(n);
    for (const v of Array.isArray(s.volumes) ? s.volumes : [])
      if (isMapping(v) && v.type === 'volume' && typeof v.source === 'string') used.volumes.add(v.source);
    sources(s.secrets, used.secrets);
    sources(s.configs, used.configs);
    if (isMapping(s.build)) sources(s.build.secrets, used.secrets);
  }
  return used;
}
