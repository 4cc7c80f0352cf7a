import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FlotillaError } from '../core/errors.js';
import type { ContainerMount, PublishedPort } from '../core/task.js';
import { MOUNT_KEYS, PORT_KEYS, SERVICE_NETWORK_KEYS, checkKeys, type Warn } from './compose-keys.js';
import { bool, int, invalid, object, optObject, str, strings, unsupported } from './compose-read.js';

/** What a service shows the host: published ports and mounts. */

export interface Ports {
  /** Host ports, 0 = assigned: an app's `ports`. */
  hostPorts: number[];
  /** publish[i] is published on hostPorts[i]. */
  publish: PublishedPort[];
}

/** `publishIp`: the address of a port written without one (unset: its task's virtual node). */
export function readPorts(value: unknown, where: string, warn: Warn, publishIp?: string): Ports {
  const out: Ports = { hostPorts: [], publish: [] };
  if (value === null || value === undefined) return out;
  if (!Array.isArray(value)) invalid(where, 'must be a list');
  value.forEach((entry, i) => {
    const at = `${where}[${i}]`;
    const ports =
      entry !== null && typeof entry === 'object'
        ? [longPort(object(entry, at), at, warn)]
        : shortPorts(str(entry, at), at);
    for (const port of ports) {
      if (port.hostPort !== 0 && out.hostPorts.includes(port.hostPort)) {
        unsupported(
          at,
          `host port ${port.hostPort} is published twice; Flotilla gives each published port its own host port`,
        );
      }
      out.hostPorts.push(port.hostPort);
      out.publish.push(
        port.hostIp === undefined && publishIp !== undefined ? { ...port, hostIp: publishIp } : port,
      );
    }
  });
  return out;
}

/** A short entry, its ranges ("9000-9002:9000-9002", "9000-9002") expanded into one port each. */
function shortPorts(text: string, at: string): PublishedPort[] {
  const m = /^(.*?)(\d+)-(\d+)(\/\w+)?$/.exec(text);
  if (!m) return [shortPort(text, at)];
  const [, head, firstText, lastText, proto = ''] = m as unknown as [string, string, string, string, string?];
  const first = int(firstText, at, 1, 65535);
  const last = int(lastText, at, first, 65535);
  if (last - first >= 1000) invalid(at, `the range "${text}" publishes more than 1000 ports`);
  // "host-range:" before the container range, or nothing (the host ports are assigned).
  const hostRange = /^(.*?)(\d+)-(\d+):$/.exec(head);
  const out: PublishedPort[] = [];
  for (let n = first; n <= last; n++) {
    let prefix = head;
    if (hostRange) {
      const [, ip, hFirst, hLast] = hostRange as unknown as [string, string, string, string];
      if (Number(hLast) - Number(hFirst) !== last - first)
        invalid(at, `"${text}": the host range and the container range differ in length`);
      prefix = `${ip}${Number(hFirst) + n - first}:`;
    }
    out.push(shortPort(`${prefix}${n}${proto}`, at));
  }
  return out;
}

/** "80", "8080:80", "127.0.0.1:8080:80", "127.0.0.1::80", "[::1]:8080:80", each with an optional "/udp". */
function shortPort(text: string, at: string): PublishedPort {
  const slash = text.lastIndexOf('/');
  const protocol = protocolOf(slash < 0 ? 'tcp' : text.slice(slash + 1), at);
  const spec = slash < 0 ? text : text.slice(0, slash);
  let ip: string | undefined;
  let rest = spec;
  const bracket = /^\[([^\]]*)\]:(.*)$/.exec(spec);
  if (bracket) {
    ip = bracket[1];
    rest = bracket[2]!;
  }
  const parts = rest.split(':');
  if (!bracket && parts.length > 2) ip = parts.splice(0, parts.length - 2).join(':');
  if (parts.length > 2) invalid(at, `"${text}" is not a port mapping such as "8080:80"`);
  const container = parts[parts.length - 1]!;
  const host = parts.length === 2 ? parts[0]! : '';
  return {
    containerPort: portNumber(container, at, 1),
    hostPort: host === '' ? 0 : portNumber(host, at, 0),
    protocol,
    ...hostIp(ip, at),
  };
}

function longPort(body: Record<string, unknown>, at: string, warn: Warn): PublishedPort {
  checkKeys(body, at, PORT_KEYS, warn);
  if (body.target === undefined) invalid(`${at}.target`, 'is required');
  if (body.mode !== undefined && !['host', 'ingress'].includes(str(body.mode, `${at}.mode`)))
    invalid(`${at}.mode`, 'must be host or ingress');
  const published = body.published === undefined || body.published === null ? '' : str(body.published, at);
  return {
    containerPort: portNumber(str(body.target, `${at}.target`), `${at}.target`, 1),
    hostPort: published === '' ? 0 : portNumber(published, `${at}.published`, 0),
    protocol: protocolOf(body.protocol === undefined ? 'tcp' : str(body.protocol, `${at}.protocol`), at),
    ...hostIp(body.host_ip === undefined ? undefined : str(body.host_ip, `${at}.host_ip`), `${at}.host_ip`),
  };
}

function portNumber(text: string, at: string, min: number): number {
  if (/^\d+-\d+$/.test(text.trim()))
    unsupported(at, `the port range "${text}" is not supported in the long syntax; give one port per entry`);
  return int(text, at, min, 65535);
}

function protocolOf(text: string, at: string): 'tcp' | 'udp' {
  if (text === 'tcp' || text === 'udp') return text;
  return unsupported(at, `the protocol "${text}" is not supported; use tcp or udp`);
}

/**
 * The address written is the address published on, as Docker does (`0.0.0.0` is every interface); a
 * port without one is published on the task's virtual node (its own 127.0.10.N), Flotilla's default.
 */
function hostIp(ip: string | undefined, at: string): { hostIp?: string } {
  if (ip === undefined || ip === '') return {};
  const v4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(ip) && ip.split('.').every((b) => Number(b) <= 255);
  if (!v4 && !/^[0-9a-fA-F:]+$/.test(ip)) invalid(at, `"${ip}" is not an IP address`);
  return { hostIp: ip };
}

/** Where the file's host paths are resolved, and the folder they must stay in (unset: anywhere). */
export interface HostPaths {
  directory: string | undefined;
  allowedRoot?: string | undefined;
}

export interface MountContext extends HostPaths {
  /** Volumes declared in the file's top-level `volumes:`. */
  volumes: ReadonlySet<string>;
  warn: Warn;
}

/** A Compose anonymous volume becomes a volume of the stack named after the service and the path. */
export function anonymousVolume(target: string): string {
  return `anon${target.replace(/[^A-Za-z0-9]+/g, '-')}`.replace(/-+$/, '');
}

const SHORT_MODES = new Set(['ro', 'rw', 'z', 'Z', 'consistent', 'cached', 'delegated']);

export function readMounts(value: unknown, where: string, ctx: MountContext): ContainerMount[] {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) invalid(where, 'must be a list');
  return value.flatMap((entry, i) => {
    const at = `${where}[${i}]`;
    const m =
      entry !== null && typeof entry === 'object'
        ? longMount(object(entry, at), at, ctx)
        : shortMount(str(entry, at), at, ctx);
    return m ? [m] : [];
  });
}

/** "./data:/x:ro", "name:/x", "/abs:/x", "~/x:/x". */
function shortMount(text: string, at: string, ctx: MountContext): ContainerMount {
  const parts = text.split(':');
  if (parts.length === 1) return anonymous(text, false, at);
  if (parts.length > 3) invalid(at, `"${text}" is not a volume such as "./data:/data:ro" or "name:/data"`);
  const [source, target, mode = ''] = parts as [string, string, string?];
  const options = mode === '' ? [] : mode.split(',');
  for (const o of options)
    if (!SHORT_MODES.has(o)) ctx.warn(at, `the volume option "${o}" is ignored (only ro and rw are used)`);
  return mount(isPath(source) ? 'bind' : 'volume', source, target, options.includes('ro'), at, ctx);
}

function longMount(body: Record<string, unknown>, at: string, ctx: MountContext): ContainerMount | null {
  checkKeys(body, at, MOUNT_KEYS, ctx.warn);
  const type = body.type === undefined ? 'volume' : str(body.type, `${at}.type`);
  if (!['bind', 'volume', 'tmpfs'].includes(type)) {
    ctx.warn(`${at}.type`, `"${type}" mounts are ignored (bind, volume and tmpfs are mounted)`);
    return null;
  }
  if (body.bind !== undefined) {
    const bind = optObject(body.bind, `${at}.bind`);
    checkKeys(
      bind,
      `${at}.bind`,
      {
        create_host_path: true,
        selinux: 'SELinux relabelling is not done',
        propagation: 'mounts are private',
      },
      ctx.warn,
    );
    if (bind.create_host_path !== undefined) bool(bind.create_host_path, `${at}.bind.create_host_path`);
  }
  if (body.volume !== undefined)
    checkKeys(
      optObject(body.volume, `${at}.volume`),
      `${at}.volume`,
      { nocopy: 'the image content is copied into a new volume', subpath: 'the whole volume is mounted' },
      ctx.warn,
    );
  if (body.tmpfs !== undefined)
    checkKeys(optObject(body.tmpfs, `${at}.tmpfs`), `${at}.tmpfs`, { size: true, mode: true }, ctx.warn);
  if (body.target === undefined) invalid(`${at}.target`, 'is required');
  const target = str(body.target, `${at}.target`);
  if (type === 'tmpfs')
    return { type: 'tmpfs', source: '', target, readOnly: false, ...tmpfsOptions(body.tmpfs) };
  if (body.source === undefined || body.source === null || body.source === '')
    return anonymous(target, body.read_only !== undefined && bool(body.read_only, `${at}.read_only`), at);
  return mount(
    type as 'bind' | 'volume',
    str(body.source, `${at}.source`),
    target,
    body.read_only === undefined ? false : bool(body.read_only, `${at}.read_only`),
    at,
    ctx,
  );
}

/** An anonymous volume (`/var/lib/data` alone): a volume of the stack, named after its path, kept as Compose keeps it. */
function anonymous(target: string, readOnly: boolean, at: string): ContainerMount {
  if (!target.startsWith('/')) invalid(at, `the container path "${target}" must be absolute`);
  return { type: 'volume', source: anonymousVolume(target), target, readOnly };
}

function tmpfsOptions(value: unknown): { tmpfsOptions?: string } {
  if (value === null || typeof value !== 'object') return {};
  const t = value as { size?: unknown; mode?: unknown };
  const opts = [
    ...(t.size !== undefined ? [`size=${String(t.size)}`] : []),
    ...(t.mode !== undefined
      ? [`mode=${typeof t.mode === 'number' ? t.mode.toString(8) : String(t.mode)}`]
      : []),
  ];
  return opts.length > 0 ? { tmpfsOptions: opts.join(',') } : {};
}

function isPath(source: string): boolean {
  return source.startsWith('/') || source.startsWith('.') || source.startsWith('~');
}

function mount(
  type: 'bind' | 'volume',
  source: string,
  target: string,
  readOnly: boolean,
  at: string,
  ctx: MountContext,
): ContainerMount {
  if (!target.startsWith('/')) invalid(at, `the container path "${target}" must be absolute`);
  if (type === 'volume') {
    if (!ctx.volumes.has(source))
      invalid(at, `the volume "${source}" is not declared; add it under the top-level volumes:`);
    return { type, source, target, readOnly };
  }
  return { type, source: hostPath(source, at, ctx), target, readOnly };
}

/**
 * A host path the file wrote, made absolute: `~` is the daemon's home, a relative path is the file's
 * folder. With an allowed root (callers that are not cluster admins: their tenant's data folder), the
 * path, symbolic links followed, must lie inside it: a bind mount or an env_file elsewhere would hand
 * a tenant the machine's files.
 */
export function hostPath(source: string, at: string, ctx: HostPaths): string {
  const { directory } = ctx;
  let full: string;
  if (source === '~' || source.startsWith('~/')) full = path.join(os.homedir(), source.slice(1));
  else if (path.isAbsolute(source)) full = path.normalize(source);
  else if (directory === undefined)
    invalid(
      at,
      `the relative path "${source}" needs the folder of the file: send "directory" with the stack`,
    );
  else full = path.resolve(directory, source);
  if (ctx.allowedRoot !== undefined) checkInside(full, ctx.allowedRoot, at);
  return full;
}

/** Refuses a host path outside `root` (after resolving symbolic links, for what exists of it). */
export function checkInside(full: string, root: string, at: string): void {
  const real = (p: string) => {
    let head = p;
    const tail: string[] = [];
    while (!fs.existsSync(head) && path.dirname(head) !== head) {
      tail.unshift(path.basename(head));
      head = path.dirname(head);
    }
    return path.join(fs.realpathSync(head), ...tail);
  };
  const rel = path.relative(real(root), real(full));
  if (rel.startsWith('..') || path.isAbsolute(rel))
    throw new FlotillaError(
      'PERMISSION_DENIED',
      `${at}: ${full} is outside your tenant's data folder ${root}; only a cluster admin may use other host paths`,
    );
}

/** A service's `networks:` as extra DNS aliases; every network of the file is the stack's one network. */
export function readNetworks(
  value: unknown,
  where: string,
  declared: ReadonlySet<string>,
  warn: Warn,
): string[] {
  if (value === null || value === undefined) return [];
  const aliases: string[] = [];
  const entries: [string, unknown][] = Array.isArray(value)
    ? value.map((n, i) => [str(n, `${where}[${i}]`), null])
    : Object.entries(object(value, where));
  for (const [name, body] of entries) {
    const at = `${where}.${name}`;
    if (name !== 'default' && !declared.has(name))
      invalid(at, `the network "${name}" is not declared; add it under the top-level networks:`);
    const settings = optObject(body, at);
    checkKeys(settings, at, SERVICE_NETWORK_KEYS, warn);
    if (settings.aliases !== undefined && settings.aliases !== null)
      aliases.push(...strings(settings.aliases, `${at}.aliases`));
  }
  return aliases;
}
