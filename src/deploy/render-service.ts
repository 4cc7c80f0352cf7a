import { cachePath } from '../core/artifact.js';
import type { EndpointContext, PackageDefinition, PlacedTask, TaskSlot } from '../catalog/package.js';
import { getPackage, validateOptions } from '../catalog/registry.js';
import { FlotillaError } from '../core/errors.js';
import { sandboxPath, type Paths } from '../core/paths.js';
import type { Endpoint, ServiceRecord } from '../core/service.js';
import type { ContainerSpec, LaunchSpec, TaskRecord } from '../core/task.js';
import { CONTAINER_ARTIFACTS_DIR, CONTAINER_JAVA, containerBinary } from '../images/layout.js';
import { interpolate } from '../specs/interpolate.js';
import type { ServiceEntry } from '../core/declaration.js';
import type { DeployHost } from './host.js';

/** One task placed and rendered, ready to become a stored desired task. */
export interface RenderedTask {
  id: string;
  name: string;
  role: string;
  index: number;
  nodeId: string;
  host: string;
  ports: number[];
  spec: LaunchSpec;
}

export interface RenderedService {
  record: Omit<ServiceRecord, 'createdAt' | 'updatedAt' | 'stack' | 'afterReady'>;
  /** Endpoint values for clients on the host. */
  values: Record<string, string>;
  /** Endpoint values for the containers on the service's own network (= values for the process driver). */
  innerValues: Record<string, string>;
  tasks: RenderedTask[];
}

/** How a service's tasks are run: by the process driver, or in containers from an image. */
export type ServiceRuntime = { driver: 'process' } | { driver: 'docker'; image: string };

/** A task's DNS name on its stack's container network: `kafka-1.events`. */
export function containerAlias(owner: string, name: string): string {
  return `${name}.${owner}`;
}

/** A service entry's validated options and the tasks its package lays out, before placement. */
export interface LaidOutService {
  entry: ServiceEntry;
  pkg: PackageDefinition;
  options: Record<string, unknown>;
  slots: TaskSlot[];
}

/** Validates a service entry's options (references resolved) and asks its package for its tasks. */
export function layoutService(
  entry: ServiceEntry,
  endpoints: Map<string, Record<string, string>>,
): LaidOutService {
  const where = `services.${entry.name}`;
  const pkg = getPackage(entry.package, entry.version);
  const options = withPlace(where, () =>
    validateOptions(pkg, interpolate(entry.options, endpoints, `${where}.options`)),
  );
  const slots = withPlace(where, () => pkg.layout(options)).map((slot) => ({
    ...slot,
    constraints: [...(slot.constraints ?? []), ...(entry.constraints ?? [])],
  }));
  return { entry, pkg, options, slots };
}

/** A package's tasks, placed, rendered for one service entry. */
export function renderService(
  tenant: string,
  { entry, pkg, options }: LaidOutService,
  placed: (Omit<PlacedTask, 'bindHost' | 'publicHost'> & { id: string; nodeId: string })[],
  context: {
    artifactsDir: string;
    previousState: Record<string, string>;
    runtime: ServiceRuntime;
    host: Pick<DeployHost, 'java' | 'binary'>;
  },
): RenderedService {
  const { runtime, host } = context;
  const inContainer = runtime.driver === 'docker';
  // In a container the image's own programs, JRE and jars run; the same launch, packaged differently.
  const binaries = Object.fromEntries(
    pkg.binaries.map((b) => [b.name, inContainer ? containerBinary(b.name) : host.binary(b.name, b.install)]),
  );
  const lock = pkg.jvm?.lock(options);
  const java = !pkg.jvm
    ? undefined
    : inContainer
      ? CONTAINER_JAVA
      : host.java(pkg.jvm.javaMajor, `package ${pkg.name} ${pkg.version}`);
  const artifactsDir = inContainer ? CONTAINER_ARTIFACTS_DIR : context.artifactsDir;
  const classpath = lock?.artifacts.map((a) => cachePath(artifactsDir, a));
  const state = { ...context.previousState };
  const outside: PlacedTask[] = placed.map((p) => ({ ...p, bindHost: p.host, publicHost: p.host }));
  const inside: PlacedTask[] = inContainer
    ? placed.map((p) => ({
        ...p,
        host: containerAlias(entry.name, p.name),
        bindHost: '0.0.0.0',
        publicHost: p.host,
      }))
    : outside;
  const specs = pkg.render({
    service: entry.name,
    tenant,
    options,
    tasks: inside,
    binaries,
    state,
    artifactsDir,
    ...(java ? { java } : {}),
    ...(classpath ? { classpath } : {}),
  });
  const eps = pkg.endpoints({ service: entry.name, tenant, options, tasks: outside });
  const innerEps = inContainer ? pkg.endpoints({ service: entry.name, tenant, options, tasks: inside }) : eps;
  return {
    record: {
      tenant,
      name: entry.name,
      package: pkg.name,
      version: pkg.version,
      options,
      dependencies: entry.dependsOn,
      state,
    },
    values: mergeValues(eps),
    innerValues: mergeValues(innerEps),
    tasks: placed.map((p) => {
      const spec = specs[p.name];
      if (!spec)
        throw new FlotillaError('INTERNAL', `package ${pkg.name} rendered no launch spec for ${p.name}`);
      return {
        id: p.id,
        nodeId: p.nodeId,
        name: p.name,
        role: p.role,
        index: p.index,
        host: p.host,
        ports: p.ports,
        spec: {
          ...spec,
          dependsOn: entry.dependsOn,
          // In an image the jars are baked in: nothing to fetch before the launch.
          ...(lock && !inContainer ? { artifacts: lock.artifacts } : {}),
          ...(runtime.driver === 'docker'
            ? { driver: 'docker', container: serviceContainer(runtime.image, entry.name, p) }
            : {}),
        },
      };
    }),
  };
}

/**
 * What a package sees of a deployed service: its options and its placed tasks, from the store. Seen
 * from `inside` its container network, a container task's address is its name on that network.
 */
export function endpointContext(
  paths: Paths,
  service: ServiceRecord,
  tasks: TaskRecord[],
  inside = false,
): EndpointContext {
  const placed: PlacedTask[] = tasks.map((t) => ({
    name: t.name,
    role: t.role,
    index: t.index,
    host: inside && t.spec.container ? containerAlias(t.owner, t.name) : t.host,
    bindHost: t.spec.container ? '0.0.0.0' : t.host,
    publicHost: t.host,
    ports: t.ports,
    cpus: t.spec.cpus,
    mem: t.spec.mem,
    sandbox: sandboxPath(paths, t.tenant, t.owner, t.name),
  }));
  return { service: service.name, tenant: service.tenant, options: service.options, tasks: placed };
}

/** A deployed service's endpoints, from the tasks the store holds. */
export function serviceEndpoints(
  paths: Paths,
  service: ServiceRecord,
  tasks: TaskRecord[],
  inside = false,
): { endpoints: Endpoint[]; values: Record<string, string> } {
  const pkg = getPackage(service.package, service.version);
  const endpoints = pkg.endpoints(endpointContext(paths, service, tasks, inside));
  return { endpoints, values: mergeValues(endpoints) };
}

/** A catalog task's container: its image, its name on the stack's network, its ports published as they are. */
function serviceContainer(
  image: string,
  service: string,
  p: { name: string; ports: number[] },
): ContainerSpec {
  return {
    image,
    aliases: [containerAlias(service, p.name)],
    publish: p.ports.map((port) => ({ containerPort: port, hostPort: port, protocol: 'tcp' })),
    mounts: [],
  };
}

function mergeValues(endpoints: Endpoint[]): Record<string, string> {
  return Object.assign({}, ...endpoints.map((e) => e.values)) as Record<string, string>;
}

/** Prefixes a package's option error with where in the stack file the options are. */
function withPlace<T>(where: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof FlotillaError && !err.message.startsWith(where)) {
      throw new FlotillaError(err.code, `${where}: ${err.message}`, err.details);
    }
    throw err;
  }
}
