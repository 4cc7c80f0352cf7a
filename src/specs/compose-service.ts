import { checkTenantSafe } from './compose-security.js';
import fs from 'node:fs';
import type { AppSpec } from '../core/app.js';
import { BACKOFF_DEFAULTS, type ContainerSpec } from '../core/task.js';
import { hostPath, readMounts, readNetworks, readPorts, type HostPaths } from './compose-host.js';
import {
  readDependsOn,
  readDeploy,
  readHealthcheck,
  readRestart,
  type Dependency,
} from './compose-lifecycle.js';
import { bool, int, invalid, keyValues, num, object, str, strings, unsupported } from './compose-read.js';
import { BUILD_KEYS, SERVICE_KEYS, SERVICE_SECRET_KEYS, checkKeys, type Warn } from './compose-keys.js';
import { readEngine } from './compose-engine.js';
import { parseDotenv, parseDuration, parseMemory, splitWords } from './compose-text.js';

export interface ServiceContext extends HostPaths {
  stack: string;
  warn: Warn;
  /** Top-level secrets and configs: the host file of each file-based one. */
  secrets: ReadonlyMap<string, string | undefined>;
  configs: ReadonlyMap<string, string | undefined>;
  /** The variables of the request merged over the folder's .env: what a bare `KEY` takes. */
  vars: Record<string, string>;
  volumes: ReadonlySet<string>;
  networks: ReadonlySet<string>;
  /** Where a port without a host address is published; unset: its task's virtual node. */
  publishIp?: string | undefined;
}

export interface ComposeService {
  /** The name as the file wrote it (`app.id` is its DNS-safe form). */
  name: string;
  /** Dependencies are filled in once the stack knows which services run. */
  app: AppSpec;
  profiles: string[];
  dependsOn: Dependency[];
}

/** Compose's defaults where a Flotilla app's own differ. */
const DEFAULT_CPUS = 0.5;
const DEFAULT_MEM = 512;
const DEFAULT_STOP_GRACE = 10;

/**
 * One Compose service as a container app. `id` is the DNS-safe form of `name` (composeNames); the
 * name as written stays a DNS alias on the stack network and the app's com.docker.compose.service label.
 */
export function readService(name: string, id: string, value: unknown, ctx: ServiceContext): ComposeService {
  const at = `services.${name}`;
  const body = object(value, at);
  // A caller held to its data folder is not a cluster admin: isolation-breaking keys are refused first.
  if (ctx.allowedRoot !== undefined) checkTenantSafe(body, at);
  checkKeys(body, at, SERVICE_KEYS, ctx.warn);
  if (body.image === undefined && body.build === undefined) invalid(at, 'needs an image or a build');
  const command = readCommand(body.command, `${at}.command`);
  const entrypoint = readCommand(body.entrypoint, `${at}.entrypoint`);
  const ports = readPorts(body.ports, `${at}.ports`, ctx.warn, ctx.publishIp);
  if (body.expose !== undefined && body.expose !== null && !Array.isArray(body.expose))
    invalid(`${at}.expose`, 'must be a list');
  const deploy = readDeploy(body.deploy, `${at}.deploy`, ctx.warn);
  const scale = body.scale === undefined ? undefined : int(body.scale, `${at}.scale`, 0, 1000);
  if (scale !== undefined && deploy.replicas !== undefined && scale !== deploy.replicas)
    invalid(`${at}.scale`, `is ${scale} but deploy.replicas is ${deploy.replicas}; give one of them`);
  const optional = (key: string) => (body[key] === undefined || body[key] === null ? undefined : body[key]);
  const aliases = [
    name,
    ...readNetworks(body.networks, `${at}.networks`, ctx.networks, ctx.warn),
    ...['hostname', 'container_name'].flatMap((k) => (optional(k) ? [str(body[k], `${at}.${k}`)] : [])),
  ];
  const engine = readEngine(body, at, ctx.warn);
  const container: ContainerSpec = {
    image: optional('image') ? str(body.image, `${at}.image`) : `${ctx.stack}-${name}:latest`,
    ...(optional('pull_policy')
      ? { pullPolicy: readPullPolicy(body.pull_policy, `${at}.pull_policy`, ctx.warn) }
      : {}),
    ...(body.healthcheck === undefined ? { imageHealthcheck: true } : {}),
    ...(optional('build') ? { build: readBuild(body.build, `${at}.build`, ctx) } : {}),
    ...(entrypoint ? { entrypoint } : {}),
    ...(command && command.length > 0 ? {} : { imageCommand: true }),
    aliases: [...new Set(aliases)].filter((a) => a !== id),
    publish: ports.publish,
    mounts: [
      ...readMounts(body.volumes, `${at}.volumes`, ctx),
      ...readFileMounts(body.secrets, `${at}.secrets`, 'secret', ctx),
      ...readFileMounts(body.configs, `${at}.configs`, 'config', ctx),
    ],
    ...(optional('working_dir')
      ? { workdir: str(body.working_dir, `${at}.working_dir`) }
      : { imageWorkdir: true }),
    ...(optional('hostname') ? { hostname: str(body.hostname, `${at}.hostname`) } : {}),
    ...(optional('user') ? { user: str(body.user, `${at}.user`) } : { imageUser: true }),
    ...(engine ? { engine } : {}),
    compose: { project: ctx.stack, service: name },
  };
  const labels = keyValues(body.labels, `${at}.labels`);
  if (name !== id) labels['com.docker.compose.service'] = name;
  const app: AppSpec = {
    id,
    args: command ?? [],
    env: {
      ...readEnvFiles(body.env_file, `${at}.env_file`, ctx),
      ...keyValues(body.environment, `${at}.environment`, (k) => ctx.vars[k]),
    },
    instances: deploy.replicas ?? scale ?? 1,
    cpus: deploy.cpus ?? (optional('cpus') ? num(body.cpus, `${at}.cpus`, 0) : DEFAULT_CPUS),
    mem: deploy.mem ?? (optional('mem_limit') ? parseMemory(body.mem_limit, `${at}.mem_limit`) : DEFAULT_MEM),
    disk: 0,
    ports: ports.hostPorts,
    requirePorts: false,
    healthChecks: readHealthcheck(body.healthcheck, `${at}.healthcheck`, ctx.warn),
    backoffSeconds: deploy.delay ?? BACKOFF_DEFAULTS.backoffSeconds,
    backoffFactor: BACKOFF_DEFAULTS.backoffFactor,
    maxLaunchDelaySeconds: BACKOFF_DEFAULTS.maxLaunchDelaySeconds,
    taskKillGracePeriodSeconds: optional('stop_grace_period')
      ? parseDuration(body.stop_grace_period, `${at}.stop_grace_period`)
      : DEFAULT_STOP_GRACE,
    dependencies: [],
    labels,
    constraints: [],
    driver: 'docker',
    container,
    restart: optional('restart') ? readRestart(body.restart, `${at}.restart`) : (deploy.restart ?? 'no'),
  };
  if (deploy.pids !== undefined && !container.engine?.pidsLimit)
    container.engine = { ...container.engine, pidsLimit: deploy.pids };
  return {
    name,
    app,
    profiles: optional('profiles') ? strings(body.profiles, `${at}.profiles`) : [],
    dependsOn: readDependsOn(body.depends_on, `${at}.depends_on`, ctx.warn),
  };
}

/**
 * Compose's pull_policy; `if_not_present` is its older spelling of `missing`. The periodic ones
 * (`daily`, `weekly`, `every_<duration>`) pull when missing: Flotilla keeps no pull dates.
 */
function readPullPolicy(value: unknown, at: string, warn: Warn): NonNullable<ContainerSpec['pullPolicy']> {
  const v = str(value, at);
  if (v === 'if_not_present') return 'missing';
  if (/^(daily|weekly|every_\w+)$/.test(v)) {
    warn(at, `"${v}" pulls when the image is missing; Flotilla does not re-pull on a schedule`);
    return 'missing';
  }
  if (v === 'missing' || v === 'always' || v === 'never' || v === 'build') return v;
  return invalid(at, `is "${v}"; use missing, always, never or build`);
}

/** A string is split into words as a shell would (no shell runs); a list is taken as is; null keeps the image's. */
function readCommand(value: unknown, at: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return splitWords(value, at);
  if (!Array.isArray(value)) invalid(at, 'must be a string or a list of strings');
  return value.map((v, i) => str(v, `${at}[${i}]`));
}

function readBuild(value: unknown, at: string, ctx: ServiceContext): NonNullable<ContainerSpec['build']> {
  const body = typeof value === 'string' ? { context: value } : object(value, at);
  checkKeys(body, at, BUILD_KEYS, ctx.warn);
  const context = body.context === undefined ? '.' : str(body.context, `${at}.context`);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(context) || context.startsWith('git@'))
    unsupported(
      `${at}.context`,
      `a remote build context (${context}) is not supported; clone it and build a folder`,
    );
  const args = body.args === undefined ? undefined : keyValues(body.args, `${at}.args`, (k) => ctx.vars[k]);
  return {
    context: hostPath(context, `${at}.context`, ctx),
    ...(body.dockerfile === undefined ? {} : { dockerfile: str(body.dockerfile, `${at}.dockerfile`) }),
    ...(args ? { args } : {}),
  };
}

function readEnvFiles(value: unknown, at: string, ctx: ServiceContext): Record<string, string> {
  if (value === undefined || value === null) return {};
  const entries = Array.isArray(value) ? value : [value];
  let env: Record<string, string> = {};
  entries.forEach((entry, i) => {
    const where = Array.isArray(value) ? `${at}[${i}]` : at;
    let file: string;
    let required = true;
    if (entry !== null && typeof entry === 'object') {
      const body = object(entry, where);
      checkKeys(
        body,
        where,
        { path: true, required: true, format: 'env files are read as KEY=VALUE lines' },
        ctx.warn,
      );
      file = str(body.path, `${where}.path`);
      if (body.required !== undefined) required = bool(body.required, `${where}.required`);
    } else file = str(entry, where);
    const full = hostPath(file, where, ctx);
    let text: string;
    try {
      text = fs.readFileSync(full, 'utf8');
    } catch (err) {
      if (!required) return;
      invalid(where, `cannot read ${full}: ${(err as Error).message}`);
    }
    env = { ...env, ...parseDotenv(text, ctx.vars, full) };
  });
  return env;
}

/**
 * A service's `secrets:` or `configs:`: each file-based one is bind-mounted read-only, a secret at
 * /run/secrets/<name> and a config at /<name> unless `target` says otherwise, as Compose mounts them.
 * One from the environment or inline content has no file to mount: a warning says so.
 */
function readFileMounts(
  value: unknown,
  at: string,
  kind: 'secret' | 'config',
  ctx: ServiceContext,
): ContainerSpec['mounts'] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) invalid(at, 'must be a list');
  const declared = kind === 'secret' ? ctx.secrets : ctx.configs;
  return value.flatMap((entry, i) => {
    const where = `${at}[${i}]`;
    const body =
      entry !== null && typeof entry === 'object' ? object(entry, where) : { source: str(entry, where) };
    checkKeys(body, where, SERVICE_SECRET_KEYS, ctx.warn);
    const source = str(body.source, `${where}.source`);
    if (!declared.has(source))
      invalid(where, `the ${kind} "${source}" is not declared; add it under the top-level ${kind}s:`);
    const file = declared.get(source);
    if (file === undefined) {
      ctx.warn(where, `the ${kind} "${source}" has no file: only file-based ${kind}s are mounted`);
      return [];
    }
    for (const k of ['uid', 'gid', 'mode'])
      if (body[k] !== undefined) ctx.warn(`${where}.${k}`, `the file keeps its owner and mode on the host`);
    const target = body.target === undefined ? source : str(body.target, `${where}.target`);
    const abs = target.startsWith('/') ? target : kind === 'secret' ? `/run/secrets/${target}` : `/${target}`;
    return [{ type: 'bind' as const, source: file, target: abs, readOnly: true }];
  });
}
