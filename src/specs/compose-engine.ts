import type { ContainerEngineSettings } from '../core/task.js';
import { LOGGING_KEYS, checkKeys, type Warn } from './compose-keys.js';
import { bool, int, invalid, keyValues, object, optObject, str, strings } from './compose-read.js';
import { parseMemory } from './compose-text.js';

/**
 * The Compose keys the Docker engine honours itself (extra_hosts, dns, ulimits, tmpfs, shm_size,
 * capabilities, sysctls, logging rotation, …): read into the container's engine settings, each set
 * only when the file gives it, so a file without them keeps its spec (and its running tasks) as before.
 */
export function readEngine(
  body: Record<string, unknown>,
  at: string,
  warn: Warn,
): ContainerEngineSettings | undefined {
  const has = (k: string) => body[k] !== undefined && body[k] !== null;
  const e: ContainerEngineSettings = {};
  if (has('extra_hosts')) e.extraHosts = extraHosts(body.extra_hosts, `${at}.extra_hosts`);
  if (has('dns')) e.dns = strings(body.dns, `${at}.dns`);
  if (has('dns_search')) e.dnsSearch = strings(body.dns_search, `${at}.dns_search`);
  if (has('dns_opt')) e.dnsOptions = strings(body.dns_opt, `${at}.dns_opt`);
  if (has('ulimits')) e.ulimits = ulimits(body.ulimits, `${at}.ulimits`);
  if (has('stop_signal')) e.stopSignal = signal(body.stop_signal, `${at}.stop_signal`);
  if (has('tmpfs')) e.tmpfs = Object.fromEntries(strings(body.tmpfs, `${at}.tmpfs`).map(tmpfsEntry));
  if (has('shm_size')) e.shmSize = Math.round(parseMemory(body.shm_size, `${at}.shm_size`) * 1024 ** 2);
  if (has('cap_add')) e.capAdd = strings(body.cap_add, `${at}.cap_add`);
  if (has('cap_drop')) e.capDrop = strings(body.cap_drop, `${at}.cap_drop`);
  if (has('sysctls')) e.sysctls = keyValues(body.sysctls, `${at}.sysctls`);
  if (has('read_only') && bool(body.read_only, `${at}.read_only`)) e.readOnly = true;
  if (has('pids_limit')) e.pidsLimit = int(body.pids_limit, `${at}.pids_limit`, -1);
  if (has('privileged') && bool(body.privileged, `${at}.privileged`)) e.privileged = true;
  if (has('security_opt')) e.securityOpt = strings(body.security_opt, `${at}.security_opt`);
  if (has('init') && !bool(body.init, `${at}.init`)) e.init = false;
  if (has('logging')) Object.assign(e, logging(body.logging, `${at}.logging`, warn));
  return Object.keys(e).length > 0 ? e : undefined;
}

/** `["db:10.0.0.5"]`, `["db=10.0.0.5"]` or `{db: 10.0.0.5}`, as the engine's `host:ip`. */
function extraHosts(value: unknown, at: string): string[] {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return Object.entries(object(value, at)).flatMap(([host, ip]) =>
      (Array.isArray(ip) ? ip : [ip]).map((one, i) => `${host}:${str(one, `${at}.${host}[${i}]`)}`),
    );
  }
  return strings(value, at).map((entry, i) => {
    const eq = entry.indexOf('=');
    const colon = entry.indexOf(':');
    const cut = eq > 0 ? eq : colon;
    if (cut <= 0) invalid(`${at}[${i}]`, `"${entry}" is not host:address`);
    return `${entry.slice(0, cut)}:${entry.slice(cut + 1).replace(/^\[(.*)\]$/, '$1')}`;
  });
}

/** `nofile: 65535` or `nofile: {soft: 20000, hard: 40000}`. */
function ulimits(value: unknown, at: string): { name: string; soft: number; hard: number }[] {
  return Object.entries(object(value, at)).map(([name, v]) => {
    const where = `${at}.${name}`;
    if (v !== null && typeof v === 'object') {
      const b = object(v, where);
      const soft = int(b.soft, `${where}.soft`, -1);
      const hard = int(b.hard, `${where}.hard`, -1);
      return { name, soft, hard };
    }
    const n = int(v, where, -1);
    return { name, soft: n, hard: n };
  });
}

function signal(value: unknown, at: string): string {
  const text = str(value, at).trim().toUpperCase();
  if (!/^(SIG)?[A-Z0-9+-]+$/.test(text)) invalid(at, `"${text}" is not a signal such as SIGINT`);
  return text;
}

/** `/run:size=64m,mode=1777` → ['/run', 'size=64m,mode=1777']. */
function tmpfsEntry(entry: string): [string, string] {
  const colon = entry.indexOf(':');
  return colon < 0 ? [entry, ''] : [entry.slice(0, colon), entry.slice(colon + 1)];
}

/** Log rotation from json-file/local options; another driver's logs are Flotilla's own anyway. */
function logging(value: unknown, at: string, warn: Warn): Partial<ContainerEngineSettings> {
  const body = optObject(value, at);
  checkKeys(body, at, LOGGING_KEYS, warn);
  const driver =
    body.driver === undefined || body.driver === null ? 'json-file' : str(body.driver, `${at}.driver`);
  const options = keyValues(body.options, `${at}.options`);
  if (driver !== 'json-file' && driver !== 'local')
    warn(
      `${at}.driver`,
      `the log driver "${driver}" is not used: Flotilla keeps the logs (flotilla task logs)`,
    );
  const out: Partial<ContainerEngineSettings> = {};
  for (const [k, v] of Object.entries(options)) {
    if (k === 'max-size') {
      parseMemory(v, `${at}.options.max-size`);
      out.logMaxSize = v;
    } else if (k === 'max-file') out.logMaxFile = String(int(v, `${at}.options.max-file`, 1));
    else warn(`${at}.options.${k}`, 'only the log options max-size and max-file are used');
  }
  return out;
}
