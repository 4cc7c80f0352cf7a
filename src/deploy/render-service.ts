import { resolveBinary } from '../catalog/binaries.js';
import { resolveJava } from '../catalog/java.js';
import { cachePath } from '../core/artifact.js';
import type { EndpointContext, PackageDefinition, PlacedTask, TaskSlot } from '../catalog/package.js';
import { getPackage, validateOptions } from '../catalog/registry.js';
import { FlotillaError } from '../core/errors.js';
import { sandboxPath, type Paths } from '../core/paths.js';
import type { Endpoint, ServiceRecord } from '../core/service.js';
import type { LaunchSpec, TaskRecord } from '../core/task.js';
import { interpolate } from '../specs/interpolate.js';
import type { ServiceEntry } from '../specs/stack.js';

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
  record: Omit<ServiceRecord, 'createdAt' | 'updatedAt' | 'stack'>;
  values: Record<string, string>;
  tasks: RenderedTask[];
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
  placed: (PlacedTask & { id: string; nodeId: string })[],
  context: { artifactsDir: string; previousState: Record<string, string> },
): RenderedService {
  const binaries = Object.fromEntries(pkg.binaries.map((b) => [b.name, resolveBinary(b.name, b.install)]));
  const lock = pkg.jvm?.lock(options);
  const java = pkg.jvm
    ? resolveJava(pkg.jvm.javaMajor, `package ${pkg.name} ${pkg.version}`).path
    : undefined;
  const classpath = lock?.artifacts.map((a) => cachePath(context.artifactsDir, a));
  const state = { ...context.previousState };
  const specs = pkg.render({
    service: entry.name,
    tenant,
    options,
    tasks: placed,
    binaries,
    state,
    artifactsDir: context.artifactsDir,
    ...(java ? { java } : {}),
    ...(classpath ? { classpath } : {}),
  });
  const eps = pkg.endpoints({ service: entry.name, tenant, options, tasks: placed });
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
        spec: { ...spec, dependsOn: entry.dependsOn, ...(lock ? { artifacts: lock.artifacts } : {}) },
      };
    }),
  };
}

/** What a package sees of a deployed service: its options and its placed tasks, from the store. */
export function endpointContext(paths: Paths, service: ServiceRecord, tasks: TaskRecord[]): EndpointContext {
  const placed: PlacedTask[] = tasks.map((t) => ({
    name: t.name,
    role: t.role,
    index: t.index,
    host: t.host,
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
): { endpoints: Endpoint[]; values: Record<string, string> } {
  const pkg = getPackage(service.package, service.version);
  const endpoints = pkg.endpoints(endpointContext(paths, service, tasks));
  return { endpoints, values: mergeValues(endpoints) };
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
