import path from 'node:path';
import type { ContainerMount, ContainerSpec, PublishedPort } from '../core/container.js';
import { FlotillaError } from '../core/errors.js';
import type { Reader } from './check.js';
import { checkInside } from './compose-host.js';

/** Who sends the app: a caller that is not a cluster admin keeps host paths in its data folder. */
export interface AppAccess {
  /** The tenant's data folder, for a caller that is not a cluster admin; unset: a cluster admin. */
  allowedRoot?: string;
  /** Where a mapping's host port is published (FLOTILLA_PUBLISH_IP); unset: the task's node address. */
  publishIp?: string | undefined;
}

/** What a Marathon `container` makes of an app: its container, and the host ports it asks for. */
export interface AppContainer {
  container: ContainerSpec;
  /** One per port mapping: the host port (0 = assign one), as an app's `ports`; none on the HOST network. */
  ports: number[];
  /** Marathon's servicePort of each mapping (0 when none), kept for a load balancer. */
  servicePorts: number[];
}

const NETWORKS = new Set(['BRIDGE', 'USER', 'HOST', 'NONE']);

/**
 * A Marathon app's `container` (Marathon 1.4's `docker.portMappings` or 1.5's container-level
 * `portMappings`; `type` DOCKER, or MESOS with a Docker image) for the Docker driver. BRIDGE and
 * USER networks are the app's own network, with each mapping published on the task's node address.
 * HOST (a cluster admin's only) is the machine's network: the app's portDefinitions are its ports, and
 * it binds them on $HOST itself, as a process task does.
 */
export function readAppContainer(
  r: Reader,
  raw: Record<string, unknown>,
  access: AppAccess,
  mode: 'bridge' | 'host' | undefined,
): AppContainer {
  const c = r.object(raw.container, 'container');
  const type = r.string(c.type ?? 'DOCKER', 'container.type');
  if (type !== 'DOCKER' && type !== 'MESOS') r.fail('container.type', 'must be DOCKER or MESOS');
  if (c.docker === undefined) r.fail('container.docker', 'is required: it names the image');
  const docker = r.object(c.docker, 'container.docker');
  const image = r.string(docker.image, 'container.docker.image');
  const network =
    docker.network === undefined ? undefined : r.string(docker.network, 'container.docker.network');
  if (network !== undefined && !NETWORKS.has(network))
    r.fail('container.docker.network', 'must be BRIDGE, USER, HOST or NONE');
  if (network === 'NONE')
    throw new FlotillaError(
      'APP_FIELD_UNSUPPORTED',
      'app.container.docker.network: "NONE" is not supported: use BRIDGE, and each portMapping is published on the task\'s node address',
      { field: 'container' },
    );
  const hostNetwork = network === 'HOST' || (network === undefined && mode === 'host');
  if (hostNetwork && access.allowedRoot !== undefined)
    throw new FlotillaError(
      'SECURITY_REFUSED',
      "app.container.docker.network: HOST would put the container on the machine's own network, outside the tenant; only a cluster admin may use it (use BRIDGE, with portMappings)",
      { path: 'app.container.docker.network' },
    );
  if (docker.privileged === true) {
    if (access.allowedRoot !== undefined)
      throw new FlotillaError(
        'SECURITY_REFUSED',
        'app.container.docker.privileged: a privileged container would reach outside the tenant; only a cluster admin may use it',
        { path: 'app.container.docker.privileged' },
      );
  }
  const mappingsRaw = c.portMappings ?? docker.portMappings ?? [];
  if (!Array.isArray(mappingsRaw)) r.fail('container.portMappings', 'must be a list');
  if (hostNetwork && mappingsRaw.length > 0)
    r.fail(
      'container.portMappings',
      "are for BRIDGE and USER networks: a HOST app's ports are its portDefinitions",
    );
  const publish: PublishedPort[] = [];
  const servicePorts: number[] = [];
  mappingsRaw.forEach((m, i) => {
    const f = `container.portMappings[${i}]`;
    const pm = r.object(m, f);
    const protocol = r.string(pm.protocol ?? 'tcp', `${f}.protocol`);
    if (protocol !== 'tcp' && protocol !== 'udp') r.fail(`${f}.protocol`, 'must be tcp or udp');
    publish.push({
      containerPort: r.integer(pm.containerPort, `${f}.containerPort`, 1, 65535),
      hostPort: pm.hostPort === undefined ? 0 : r.integer(pm.hostPort, `${f}.hostPort`, 0, 65535),
      protocol,
      ...(access.publishIp ? { hostIp: access.publishIp } : {}),
    });
    servicePorts.push(
      pm.servicePort === undefined ? 0 : r.integer(pm.servicePort, `${f}.servicePort`, 0, 65535),
    );
  });
  const engine = readParameters(r, docker.parameters);
  const container: ContainerSpec = {
    image,
    ...(docker.forcePullImage === true ? { pullPolicy: 'always' as const } : {}),
    aliases: [],
    publish,
    mounts: readVolumes(r, c.volumes, access),
    imageUser: true,
    imageWorkdir: engine.spec.workdir === undefined,
    imageHealthcheck: true,
    ...engine.spec,
    ...(hostNetwork ? { hostNetwork } : {}),
  };
  const settings = docker.privileged === true ? { ...engine.settings, privileged: true } : engine.settings;
  if (settings) container.engine = settings;
  return { container, ports: publish.map((p) => p.hostPort), servicePorts };
}

/** `volumes`: host paths bound into the container (RW or RO); the Docker driver has no Mesos persistent volumes. */
function readVolumes(r: Reader, value: unknown, access: AppAccess): ContainerMount[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) r.fail('container.volumes', 'must be a list');
  return value.map((v, i) => {
    const f = `container.volumes[${i}]`;
    const vol = r.object(v, f);
    if (vol.persistent !== undefined || vol.external !== undefined)
      throw new FlotillaError(
        'APP_FIELD_UNSUPPORTED',
        `app.${f}: persistent and external volumes are Mesos' own; bind a folder of your data folder with hostPath`,
        { field: 'container' },
      );
    const target = r.string(vol.containerPath, `${f}.containerPath`);
    if (!path.isAbsolute(target)) r.fail(`${f}.containerPath`, 'must be an absolute path in the container');
    const given = r.string(vol.hostPath, `${f}.hostPath`);
    // A relative host path is a folder of the caller's data folder.
    const source = path.isAbsolute(given) ? given : path.join(access.allowedRoot ?? '', given);
    if (!path.isAbsolute(source)) r.fail(`${f}.hostPath`, 'must be an absolute path');
    if (access.allowedRoot !== undefined) checkInside(source, access.allowedRoot, `app.${f}.hostPath`);
    const mode = r.string(vol.mode ?? 'RW', `${f}.mode`);
    if (mode !== 'RW' && mode !== 'RO') r.fail(`${f}.mode`, 'must be RW or RO');
    return { type: 'bind' as const, source, target, readOnly: mode === 'RO' };
  });
}

/**
 * `docker.parameters` (`docker run` options as key/value pairs): those that describe the container
 * itself are honoured; any other is refused by name, since it may change what the task can reach.
 */
function readParameters(
  r: Reader,
  value: unknown,
): { spec: Partial<ContainerSpec>; settings?: NonNullable<ContainerSpec['engine']> } {
  if (value === undefined || value === null) return { spec: {} };
  if (!Array.isArray(value)) r.fail('container.docker.parameters', 'must be a list of {key, value}');
  const spec: Partial<ContainerSpec> = {};
  const settings: NonNullable<ContainerSpec['engine']> = {};
  value.forEach((p, i) => {
    const f = `container.docker.parameters[${i}]`;
    const kv = r.object(p, f);
    const key = r.string(kv.key, `${f}.key`);
    const v = r.string(kv.value, `${f}.value`);
    if (key === 'hostname') spec.hostname = v;
    else if (key === 'workdir' || key === 'w') spec.workdir = v;
    else if (key === 'entrypoint') spec.entrypoint = [v];
    else if (key === 'add-host') settings.extraHosts = [...(settings.extraHosts ?? []), v];
    else if (key === 'dns') settings.dns = [...(settings.dns ?? []), v];
    else if (key === 'stop-signal') settings.stopSignal = v;
    else if (key === 'read-only') settings.readOnly = v === 'true';
    else if (key === 'init') settings.init = v === 'true';
    else if (key !== 'label')
      throw new FlotillaError(
        'APP_FIELD_UNSUPPORTED',
        `app.${f}.key: the docker parameter "${key}" is not supported (hostname, workdir, entrypoint, add-host, dns, stop-signal, read-only, init and label are)`,
        { field: 'container' },
      );
  });
  return Object.keys(settings).length > 0 ? { spec, settings } : { spec };
}
