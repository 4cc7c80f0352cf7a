import path from 'node:path';
import { stringify } from 'yaml';
import { readYaml } from '../core/yaml-text.js';
import { loadCompose } from './compose-load.js';
import { isMapping } from '../core/compose-format.js';
import { asMapping } from './compose-merge.js';
import { keyValues } from './compose-read.js';
import { splitWords } from './compose-text.js';
import { parseComposeDocument, type ComposeOptions } from './compose.js';

/**
 * `flotilla compose config`: the file's model as `docker compose config` prints it — override files
 * merged, includes and extends resolved, variables interpolated, the services of inactive profiles
 * left out, and the short forms written long (environment as a mapping with the env files in it,
 * ports, volumes and depends_on in their long syntax, commands as lists, the default network).
 * The file is read as `up` reads it first, so what `up` refuses is refused here too.
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
  const { top, vars, name } = loadCompose(data, opts);
  const wanted = new Set(opts.profiles ?? []);
  const services: Record<string, unknown> = {};
  const apps = new Map(
    spec.declarations.flatMap((d) => (d.kind === 'app' ? [[d.app.id, d.app] as const] : [])),
  );
  for (const [svcName, raw] of Object.entries(asMapping(top.services)).sort(([a], [b]) =>
    a.localeCompare(b),
  )) {
    if (svcName.startsWith('x-') || !isMapping(raw)) continue;
    const profiles = Array.isArray(raw.profiles) ? raw.profiles.map(String) : [];
    if (profiles.length > 0 && !profiles.some((p) => wanted.has(p))) continue;
    const app = [...apps.values()].find(
      (a) => a.id === svcName || a.labels['com.docker.compose.service'] === svcName,
    );
    const env = app?.env ?? keyValues(raw.environment, 'environment', (k) => vars[k]);
    services[svcName] = normaliseService(raw, env, opts.directory);
  }
  const model: Record<string, unknown> = { name, services: sortKeys(services) };
  // The default network exists only when a service is on it, as Compose creates it.
  const onDefault = Object.values(services).some(
    (s) => isMapping(s) && isMapping(s.networks) && 'default' in s.networks,
  );
  model.networks = {
    ...(onDefault ? { default: { name: `${name}_default` } } : {}),
    ...mapNamed(top.networks, name),
  };
  if (Object.keys(model.networks as object).length === 0) delete model.networks;
  for (const kind of ['volumes', 'secrets', 'configs'] as const) {
    if (isMapping(top[kind])) model[kind] = mapNamed(top[kind], name, kind === 'volumes');
  }
  return { name, model, yaml: stringify(model, { sortMapEntries: false }), warnings: spec.warnings ?? [] };
}

function mapNamed(value: unknown, project: string, named = true): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(asMapping(value))) {
    if (k.startsWith('x-')) continue;
    const body = isMapping(v) ? v : {};
    out[k] = named ? { name: `${project}_${k}`, ...body } : body;
  }
  return sortKeys(out);
}

function normaliseService(
  raw: Record<string, unknown>,
  env: Record<string, string>,
  directory: string | undefined,
): Record<string, unknown> {
  const s: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) if (!k.startsWith('x-')) s[k] = v;
  delete s.env_file;
  if (Object.keys(env).length > 0) s.environment = sortKeys(env);
  else delete s.environment;
  for (const k of ['command', 'entrypoint']) if (typeof s[k] === 'string') s[k] = splitWords(s[k], k);
  if (s.depends_on !== undefined) {
    const deps = Array.isArray(s.depends_on)
      ? Object.fromEntries(s.depends_on.map((d) => [String(d), null]))
      : asMapping(s.depends_on);
    s.depends_on = sortKeys(
      Object.fromEntries(
        Object.entries(deps).map(([d, b]) => [
          d,
          { condition: 'service_started', required: true, ...(isMapping(b) ? b : {}) },
        ]),
      ),
    );
  }
  if (Array.isArray(s.ports)) s.ports = s.ports.map(longPort);
  if (Array.isArray(s.volumes)) s.volumes = s.volumes.map((v) => longVolume(v, directory));
  if (s.networks === undefined) s.networks = { default: null };
  else if (Array.isArray(s.networks))
    s.networks = Object.fromEntries(s.networks.map((n) => [String(n), null]));
  if (isMapping(s.labels) || Array.isArray(s.labels)) s.labels = sortKeys(asMapping(s.labels));
  return sortKeys(s);
}

/** "127.0.0.1:8080:80/udp" as {mode, host_ip, target, published, protocol}, as Compose writes it. */
function longPort(p: unknown): unknown {
  if (isMapping(p)) return sortKeys({ mode: 'ingress', protocol: 'tcp', ...p });
  const text = String(p);
  const [spec, protocol = 'tcp'] = text.split('/') as [string, string?];
  const parts = spec.split(':');
  const target = Number(parts.pop());
  const published = parts.pop();
  const hostIp = parts.join(':').replace(/^\[(.*)\]$/, '$1');
  return sortKeys({
    mode: 'ingress',
    ...(hostIp ? { host_ip: hostIp } : {}),
    target: Number.isFinite(target) ? target : spec,
    ...(published ? { published } : {}),
    protocol,
  });
}

function longVolume(v: unknown, directory: string | undefined): unknown {
  if (isMapping(v)) return v;
  const parts = String(v).split(':');
  if (parts.length === 1) return { type: 'volume', target: parts[0] };
  const [source, target, mode = ''] = parts as [string, string, string?];
  const bind = /^[./~]/.test(source);
  const resolved = bind && source.startsWith('.') && directory ? path.resolve(directory, source) : source;
  return sortKeys<unknown>({
    type: bind ? 'bind' : 'volume',
    source: resolved,
    target,
    ...(mode.split(',').includes('ro') ? { read_only: true } : {}),
    ...(bind ? { bind: { create_host_path: true } } : { volume: {} }),
  });
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}
