import path from 'node:path';
import { isMapping } from '../core/compose-format.js';
import { bytes, ordered, sortGoKeys, stringMap } from './compose-config-values.js';
import type { GoYaml } from './compose-config-yaml.js';
import { asMapping } from './compose-merge.js';

type Data = Record<string, unknown>;

/**
 * The long forms `docker compose config` writes for a service's ports, volumes, secrets and configs,
 * build and depends_on, in the field order of compose-go's types.
 */

/** "127.0.0.1:8080:80/udp" as {mode, host_ip, target, published, protocol}; a range as one entry a port. */
export function longPorts(p: unknown): GoYaml[] {
  const order = ['name', 'mode', 'host_ip', 'target', 'published', 'protocol', 'app_protocol'];
  if (isMapping(p)) {
    const published =
      p.published === undefined || p.published === null ? {} : { published: String(p.published) };
    return [ordered({ mode: 'ingress', protocol: 'tcp', ...p, ...published }, {}, order)];
  }
  const [spec, protocol = 'tcp'] = String(p).split('/') as [string, string?];
  const v6 = /^\[([^\]]*)\]:(.*)$/.exec(spec);
  const parts = v6 ? [v6[1]!, ...v6[2]!.split(':')] : spec.split(':');
  const target = range(parts.pop()!);
  const published = parts.length > 0 ? parts.pop()! : '';
  const hostIp = parts.join(':');
  const hosts = published === '' ? undefined : range(published);
  return target.map((t, i) =>
    ordered(
      {
        mode: 'ingress',
        ...(hostIp ? { host_ip: hostIp } : {}),
        target: t,
        ...(hosts === undefined
          ? {}
          : {
              published: target.length > 1 && hosts.length === target.length ? String(hosts[i]) : published,
            }),
        protocol,
      },
      {},
      order,
    ),
  );
}

function range(text: string): number[] {
  const m = /^(\d+)-(\d+)$/.exec(text);
  if (!m) return [Number(text)];
  const out: number[] = [];
  for (let n = Number(m[1]); n <= Number(m[2]); n++) out.push(n);
  return out;
}

const VOLUME = ['type', 'source', 'target', 'read_only', 'consistency', 'bind', 'volume', 'tmpfs', 'image'];
const BIND = ['selinux', 'propagation', 'create_host_path', 'recursive'];
const PROPAGATION = new Set(['shared', 'rshared', 'slave', 'rslave', 'private', 'rprivate']);

/** "./data:/data:ro" as {type: bind, source: <absolute>, target, read_only, bind: {}}; a name as a volume. */
export function longVolume(v: unknown, directory: string | undefined): GoYaml {
  const resolve = (source: string) =>
    /^\.\.?(\/|$)/.test(source) && directory ? path.resolve(directory, source) : source;
  const clean = (target: unknown) => path.posix.normalize(String(target)).replace(/(.)\/$/, '$1');
  if (isMapping(v)) {
    const source = typeof v.source === 'string' && v.type === 'bind' ? { source: resolve(v.source) } : {};
    return ordered(
      { ...v, ...source, target: clean(v.target) },
      {
        bind: (b) => ordered(b, {}, BIND),
        volume: (x) => ordered(x, { labels: stringMap }, ['labels', 'nocopy', 'subpath']),
        tmpfs: (t) => ordered(t, { size: bytes }, ['size', 'mode']),
      },
      VOLUME,
    );
  }
  const parts = String(v).split(':');
  if (parts.length === 1) return { type: 'volume', target: clean(parts[0]), volume: {} };
  const [source, target, mode = ''] = parts as [string, string, string?];
  const modes = mode.split(',');
  const bind = /^[./~]/.test(source);
  const out: Record<string, GoYaml> = {
    type: bind ? 'bind' : 'volume',
    source: bind ? resolve(source) : source,
    target: clean(target),
  };
  if (modes.includes('ro')) out.read_only = true;
  if (bind) {
    const b: Record<string, GoYaml> = {};
    const selinux = modes.find((m) => m === 'z' || m === 'Z');
    const propagation = modes.find((m) => PROPAGATION.has(m));
    if (selinux) b.selinux = selinux;
    if (propagation) b.propagation = propagation;
    out.bind = b;
  } else out.volume = modes.includes('nocopy') ? { nocopy: true } : {};
  return out;
}

/**
 * A service's secret or config: the short form as {source}; a secret without a target gets
 * /run/secrets/<source>. A mode as Compose writes a file mode: octal, with a leading 0.
 */
export function mountRef(r: unknown, secret: boolean): GoYaml {
  const m = isMapping(r) ? r : { source: String(r) };
  const target = secret && m.target === undefined ? { target: `/run/secrets/${String(m.source)}` } : {};
  return ordered({ ...m, ...target }, { uid: String, gid: String, mode: fileMode }, [
    'source',
    'target',
    'uid',
    'gid',
    'mode',
  ]);
}

/**
 * Compose reads `mode: 0440` as YAML 1.1 does, in octal; Flotilla's YAML 1.2 reader sees 440. The
 * digits are taken as written, octal, when they can be (file modes are written in octal).
 */
function fileMode(mode: unknown): GoYaml {
  const text = String(mode);
  if (/^0[oO]?[0-7]+$/.test(text)) return `0${text.replace(/^0[oO]?/, '')}`;
  if (typeof mode === 'number' && /^[0-7]+$/.test(text)) return `0${text}`;
  return typeof mode === 'number' ? `0${mode.toString(8)}` : text;
}

const BUILD = `context dockerfile dockerfile_inline entitlements args provenance sbom ssh labels cache_from
  cache_to no_cache no_cache_filter additional_contexts pull extra_hosts isolation network target secrets
  shm_size tags ulimits platforms privileged`.split(/\s+/);

/** build: a context path as {context: <absolute>, dockerfile: Dockerfile}; args as strings. */
export function longBuild(v: unknown, directory: string | undefined): GoYaml {
  const b: Data = isMapping(v) ? { ...v } : { context: String(v) };
  const context = String(b.context ?? '.');
  const remote = /^[a-z]+:\/\/|^git@|^github\.com\//.test(context);
  b.context = remote || !directory ? context : path.resolve(directory, context);
  if (b.dockerfile === undefined && b.dockerfile_inline === undefined) b.dockerfile = 'Dockerfile';
  return ordered(
    b,
    {
      args: (a) =>
        sortGoKeys(
          Object.fromEntries(
            Object.entries(asMapping(a)).flatMap(([k, x]) => (x === null ? [] : [[k, String(x)]])),
          ),
        ),
      labels: stringMap,
      secrets: (s) => (Array.isArray(s) ? s.map((r) => mountRef(r, true)) : []),
    },
    BUILD,
  );
}

/**
 * depends_on as {condition, restart, required}, with the services Compose adds: a link's, a
 * `service:` namespace's (network_mode, ipc, pid, uts, cgroup) and a volumes_from's.
 */
export function longDependsOn(raw: Data): Record<string, GoYaml> {
  const deps: Record<string, GoYaml> = {};
  const given = Array.isArray(raw.depends_on)
    ? Object.fromEntries(raw.depends_on.map((d) => [String(d), null]))
    : asMapping(raw.depends_on);
  for (const [d, b] of Object.entries(given)) {
    const body = isMapping(b) ? b : {};
    deps[d] = ordered(
      { condition: 'service_started', ...body, required: body.required ?? true },
      { restart: (r) => (r === true ? true : undefined) },
      ['condition', 'restart', 'required'],
    );
  }
  const add = (name: string, restart: boolean) => {
    if (!(name in deps))
      deps[name] = { condition: 'service_started', ...(restart ? { restart: true } : {}), required: true };
  };
  for (const l of Array.isArray(raw.links) ? raw.links : []) add(String(l).split(':')[0]!, true);
  for (const k of ['network_mode', 'ipc', 'pid', 'uts', 'cgroup']) {
    const ref = raw[k];
    if (typeof ref === 'string' && ref.startsWith('service:')) add(ref.slice('service:'.length), true);
  }
  for (const v of Array.isArray(raw.volumes_from) ? raw.volumes_from : []) {
    if (!String(v).startsWith('container:')) add(String(v).split(':')[0]!, false);
  }
  return sortGoKeys(deps);
}
