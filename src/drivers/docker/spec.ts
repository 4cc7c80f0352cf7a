import path from 'node:path';
import { FlotillaError } from '../../core/errors.js';
import type { ContainerEngineSettings } from '../../core/task.js';
import { taskIdentityEnv, type TaskConfig } from '../driver.js';
import { LABEL } from './state.js';

/** How cpus become a limit: a relative weight (CpuShares, the default) or a hard quota (NanoCpus). */
export type CpuLimit = 'weight' | 'strict';

export interface SpecOptions {
  daemonId: string;
  defaultImage: string;
  cpuLimit: CpuLimit;
  /** The daemon's own uid:gid, the user of tasks that name none (files in the sandbox stay its own). */
  user: string;
  /**
   * The engine maps a container's users to unprivileged host ids (`dockerd --userns-remap`): a
   * tenant's container may then keep its image's user, root included.
   */
  remapped?: boolean;
}

/** The body of POST /containers/create: a pure function of the task's config. */
export interface CreateBody {
  Image: string;
  Cmd?: string[];
  Entrypoint?: string[];
  Env: string[];
  WorkingDir?: string;
  User?: string;
  Hostname?: string;
  Labels: Record<string, string>;
  ExposedPorts?: Record<string, Record<string, never>>;
  HostConfig: {
    Init: boolean;
    RestartPolicy: { Name: 'no' };
    LogConfig: { Type: 'json-file'; Config: Record<string, string> };
    Mounts: MountBody[];
    NetworkMode: string;
    SecurityOpt: string[];
    CapDrop: string[];
    PortBindings?: Record<string, { HostIp: string; HostPort: string }[]>;
    Memory?: number;
    MemorySwap?: number;
    CpuShares?: number;
    NanoCpus?: number;
    ExtraHosts?: string[];
    Dns?: string[];
    DnsSearch?: string[];
    DnsOptions?: string[];
    Ulimits?: { Name: string; Soft: number; Hard: number }[];
    Tmpfs?: Record<string, string>;
    ShmSize?: number;
    CapAdd?: string[];
    Sysctls?: Record<string, string>;
    ReadonlyRootfs?: boolean;
    PidsLimit?: number;
    Privileged?: boolean;
  };
  StopSignal?: string;
  NetworkingConfig?: { EndpointsConfig: Record<string, { Aliases: string[] }> };
}

export interface MountBody {
  Type: 'bind' | 'volume';
  Source: string;
  Target: string;
  ReadOnly: boolean;
}

/** Throws VALIDATION_FAILED unless the config names exactly one way to run the task. */
export function validateCommand(config: TaskConfig): void {
  const hasCmd = config.cmd !== undefined;
  const hasArgs = config.args !== undefined;
  const imageCommand = config.container?.imageCommand === true;
  if (hasCmd === hasArgs) {
    throw new FlotillaError(
      'VALIDATION_FAILED',
      `Task ${config.taskKey} must have exactly one of cmd and args (it has ${hasCmd ? 'both' : 'neither'}).`,
    );
  }
  if (hasArgs && config.args?.length === 0 && !imageCommand) {
    throw new FlotillaError(
      'VALIDATION_FAILED',
      `Task ${config.taskKey} has empty args: give a command, or run the image's own (container.imageCommand).`,
    );
  }
}

export function taskEnv(config: TaskConfig): Record<string, string> {
  // No PATH from the host: the image's own PATH applies inside the container.
  return { ...config.env, ...taskIdentityEnv(config) };
}

/** Named volumes the task mounts, with the name the engine knows them by. */
export function stackVolumes(config: TaskConfig): string[] {
  const c = config.container;
  if (!c) return [];
  return c.mounts.filter((m) => m.type === 'volume').map((m) => `${c.volumePrefix}${m.source}`);
}

export function containerBody(config: TaskConfig, options: SpecOptions): CreateBody {
  validateCommand(config);
  const c = config.container;
  const body: CreateBody = {
    Image: c?.image ?? options.defaultImage,
    Env: Object.entries(taskEnv(config)).map(([k, v]) => `${k}=${v}`),
    Labels: {
      ...c?.labels,
      [LABEL.daemon]: options.daemonId,
      [LABEL.task]: config.taskKey,
      [LABEL.launchId]: config.launchId,
      [LABEL.sandbox]: config.sandbox,
    },
    HostConfig: {
      // docker-init as PID 1 forwards signals to the command and reaps its orphans.
      Init: true,
      // Flotilla restarts tasks itself, with its backoff.
      RestartPolicy: { Name: 'no' },
      // The engine keeps the lines for the logs endpoint, followed or not: 100 MB per container, so
      // a daemon that is down for long loses only the oldest output, and the disk never fills.
      LogConfig: { Type: 'json-file', Config: { 'max-size': '20m', 'max-file': '5' } },
      Mounts: mounts(config),
      NetworkMode: c?.hostNetwork ? 'host' : c ? c.network.name : 'bridge',
      // No setuid program inside may gain privileges, and of the engine's default capabilities those
      // a data service never needs go: raw sockets (spoofing on the bridge), device nodes, audit.
      SecurityOpt: ['no-new-privileges'],
      CapDrop: ['NET_RAW', 'MKNOD', 'AUDIT_WRITE'],
    },
  };
  const tenantUser = config.user && !options.remapped ? config.user : undefined;
  if (config.cmd !== undefined) {
    body.Entrypoint = ['/bin/sh', '-c'];
    body.Cmd = [config.cmd];
  } else {
    if (c?.entrypoint) body.Entrypoint = c.entrypoint;
    if (!c?.imageCommand) body.Cmd = config.args ?? [];
  }
  if (tenantUser) {
    // A tenant's container runs as the tenant's own user, whatever its image or file says, with no
    // capability at all: the same identity as its process tasks (docs/security.md).
    body.User = `${tenantUser.uid}:${tenantUser.gid}`;
    body.HostConfig.CapDrop = ['ALL'];
  } else if (!c?.imageUser) body.User = c?.user ?? options.user;
  if (!c?.imageWorkdir) body.WorkingDir = c?.workdir ?? config.sandbox;
  if (c && !c.hostNetwork) {
    const hostname = c.hostname ?? c.aliases[0];
    if (hostname) body.Hostname = hostname;
    body.NetworkingConfig = { EndpointsConfig: { [c.network.name]: { Aliases: c.aliases } } };
    if (c.publish.length > 0) {
      body.ExposedPorts = {};
      body.HostConfig.PortBindings = {};
      for (const p of c.publish) {
        const key = `${p.containerPort}/${p.protocol}`;
        body.ExposedPorts[key] = {};
        (body.HostConfig.PortBindings[key] ??= []).push({
          HostIp: p.hostIp ?? c.hostIp,
          HostPort: String(p.hostPort),
        });
      }
    }
  }
  if (c?.engine) applyEngine(body, c.engine);
  const tmpfs = (c?.mounts ?? []).filter((m) => m.type === 'tmpfs');
  if (tmpfs.length > 0)
    body.HostConfig.Tmpfs = {
      ...body.HostConfig.Tmpfs,
      ...Object.fromEntries(tmpfs.map((m) => [m.target, m.tmpfsOptions ?? ''])),
    };
  if (config.mem > 0) {
    // Swap equal to memory: no swap at all, as the process driver's hard limit.
    body.HostConfig.Memory = Math.round(config.mem * 1024 * 1024);
    body.HostConfig.MemorySwap = body.HostConfig.Memory;
  }
  if (config.cpus > 0) {
    // The engine takes 2 as the smallest weight.
    if (options.cpuLimit === 'strict') body.HostConfig.NanoCpus = Math.round(config.cpus * 1e9);
    else body.HostConfig.CpuShares = Math.max(2, Math.round(config.cpus * 1024));
  }
  return body;
}

/** The Compose keys the engine honours itself (docs/compose.md); each only when the file gave it. */
function applyEngine(body: CreateBody, e: ContainerEngineSettings): void {
  const h = body.HostConfig;
  if (e.init === false) h.Init = false;
  if (e.logMaxSize !== undefined) h.LogConfig.Config['max-size'] = e.logMaxSize;
  if (e.logMaxFile !== undefined) h.LogConfig.Config['max-file'] = e.logMaxFile;
  if (e.extraHosts) h.ExtraHosts = e.extraHosts;
  if (e.dns) h.Dns = e.dns;
  if (e.dnsSearch) h.DnsSearch = e.dnsSearch;
  if (e.dnsOptions) h.DnsOptions = e.dnsOptions;
  if (e.ulimits) h.Ulimits = e.ulimits.map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard }));
  if (e.tmpfs) h.Tmpfs = e.tmpfs;
  if (e.shmSize !== undefined) h.ShmSize = e.shmSize;
  if (e.capAdd) {
    h.CapAdd = e.capAdd;
    // A capability the file adds back is not dropped by Flotilla's defaults.
    const added = new Set(e.capAdd.map((c) => c.toUpperCase().replace(/^CAP_/, '')));
    h.CapDrop = h.CapDrop.filter((c) => !added.has(c));
  }
  if (e.capDrop) h.CapDrop = [...new Set([...h.CapDrop, ...e.capDrop])];
  if (e.sysctls) h.Sysctls = e.sysctls;
  if (e.readOnly) h.ReadonlyRootfs = true;
  if (e.pidsLimit !== undefined) h.PidsLimit = e.pidsLimit;
  if (e.privileged) h.Privileged = true;
  if (e.securityOpt) h.SecurityOpt = [...new Set([...h.SecurityOpt, ...e.securityOpt])];
  if (e.stopSignal !== undefined) body.StopSignal = e.stopSignal;
}

function mounts(config: TaskConfig): MountBody[] {
  const c = config.container;
  const list: MountBody[] = [
    { Type: 'bind', Source: config.sandbox, Target: config.sandbox, ReadOnly: false },
  ];
  if (config.dataDir && config.dataDir !== config.sandbox) {
    list.push({ Type: 'bind', Source: config.dataDir, Target: config.dataDir, ReadOnly: false });
  }
  if (c?.dataVolume) {
    list.push({
      Type: 'volume',
      Source: c.dataVolume,
      Target: path.join(config.sandbox, 'data'),
      ReadOnly: false,
    });
  }
  for (const m of c?.mounts ?? []) {
    if (m.type === 'tmpfs') continue; // HostConfig.Tmpfs (applyEngine's tmpfs)
    const source = m.type === 'volume' ? `${c?.volumePrefix ?? ''}${m.source}` : m.source;
    list.push({ Type: m.type, Source: source, Target: m.target, ReadOnly: m.readOnly });
  }
  return list;
}
