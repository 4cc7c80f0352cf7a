import {
  DRIVERS,
  appDeclaration,
  declaredDependencies,
  declaredName,
  serviceDeclaration,
  type Declaration,
  type DriverName,
  type ServiceEntry,
} from '../core/declaration.js';
import { FlotillaError } from '../core/errors.js';
import { START_ORDERS, type StartOrder } from '../core/service.js';
import { readYaml } from '../core/yaml-text.js';
import { parseApp } from './app.js';
import { Reader, checkName } from './check.js';
import { checkShellText, referencesIn, resolveVariables, type VariableScope } from './interpolate.js';
import { parseConstraints } from '../scheduler/constraints.js';
import type { Constraint } from '../scheduler/types.js';

export { DRIVERS, type DriverName, type ServiceEntry } from '../core/declaration.js';

export interface StackSpec {
  name: string;
  declarations: Declaration[];
  /** How the stack's tasks take turns to start (core/service.ts); unset: the daemon's default. */
  startOrder?: StartOrder;
  /** What the file asks for that works but may not be meant: variables that are not set. */
  warnings?: string[];
}

const TOP_LEVEL = new Set(['name', 'version', 'driver', 'startOrder', 'services', 'apps']);
const SERVICE_KEYS = new Set([
  'package',
  'version',
  'options',
  'dependsOn',
  'depends_on',
  'constraints',
  'driver',
  'image',
]);

/** Parses a stack file (YAML). Every problem names its place in the file. */
export function parseStack(
  source: string,
  fallbackName?: string,
  variables: Record<string, string> = {},
): StackSpec {
  return parseStackDocument(
    readYaml(source, { what: 'the stack file', code: 'STACK_INVALID' }),
    fallbackName,
    variables,
  );
}

/**
 * A stack file's data (YAML already read): `${VAR}` resolved from `variables` where no shell reads
 * them, each `${owner.field}` naming one of its services.
 */
export function parseStackDocument(
  data: unknown,
  fallbackName?: string,
  variables: Record<string, string> = {},
): StackSpec {
  const r = new Reader('STACK_INVALID', 'stack');
  const top = r.object(data, '');
  for (const key of Object.keys(top)) {
    if (!TOP_LEVEL.has(key)) r.fail(key, `unknown key; a stack has ${[...TOP_LEVEL].join(', ')}`);
  }
  if (top.name === undefined && !fallbackName) r.fail('name', 'is required');
  const name = checkName(r, top.name ?? fallbackName, 'name');
  const stackDriver = top.driver === undefined ? undefined : driverName(r, top.driver, 'driver');
  const serviceBodies = top.services === undefined ? {} : r.object(top.services, 'services');
  const appBodies = top.apps === undefined ? {} : r.object(top.apps, 'apps');
  const unset = new Set<string>();
  const scope: VariableScope = {
    variables,
    services: new Set(Object.keys(serviceBodies)),
    apps: new Set(Object.keys(appBodies)),
    unset: (v) => unset.add(v),
  };
  const services = Object.entries(serviceBodies).map(([key, value]) =>
    parseService(r, key, value, scope, stackDriver),
  );
  const apps = Object.entries(appBodies).map(([key, value]) => {
    const body = r.object(value, `apps.${key}`);
    if (body.id !== undefined && String(body.id).replace(/^\//, '') !== key) {
      r.fail(`apps.${key}.id`, `must match its key "${key}" (or be left out)`);
    }
    return parseApp(withVariables({ ...body, id: key }, scope, `stack.apps.${key}`), `stack.apps.${key}`);
  });
  const startOrder = top.startOrder === undefined ? undefined : startOrderOf(r, top.startOrder);
  const spec: StackSpec = {
    name,
    declarations: [...services.map(serviceDeclaration), ...apps.map(appDeclaration)],
    ...(startOrder ? { startOrder } : {}),
    ...(unset.size > 0 ? { warnings: [...unset].map(unsetWarning) } : {}),
  };
  addImplicitDependencies(spec);
  checkGraph(r, spec);
  return spec;
}

export function unsetWarning(name: string): string {
  return `the variable ${name} is not set: it is read as an empty string`;
}

/** An app's variables resolved where no shell reads them (env, args); its cmd's are the shell's. */
export function withVariables(
  body: Record<string, unknown>,
  scope: VariableScope,
  where: string,
): Record<string, unknown> {
  if (typeof body.cmd === 'string') checkShellText(body.cmd, scope, `${where}.cmd`);
  return {
    ...body,
    ...(body.env === undefined ? {} : { env: resolveVariables(body.env, scope, `${where}.env`) }),
    ...(body.args === undefined ? {} : { args: resolveVariables(body.args, scope, `${where}.args`) }),
  };
}

function parseService(
  r: Reader,
  key: string,
  value: unknown,
  scope: VariableScope,
  stackDriver?: DriverName,
): ServiceEntry {
  const where = `services.${key}`;
  checkName(r, key, where);
  const body = r.object(value, where);
  for (const k of Object.keys(body)) {
    if (!SERVICE_KEYS.has(k))
      r.fail(
        `${where}.${k}`,
        `unknown key; a service has ${[...SERVICE_KEYS].filter((s) => s !== 'depends_on').join(', ')}`,
      );
  }
  const driver = body.driver === undefined ? stackDriver : driverName(r, body.driver, `${where}.driver`);
  if (body.image !== undefined && driver !== 'docker')
    r.fail(
      `${where}.image`,
      'an image is for the Docker driver: add `driver: docker` to the service or the stack',
    );
  const deps = body.dependsOn ?? body.depends_on;
  return {
    name: key,
    package:
      body.package === undefined
        ? r.fail(`${where}.package`, 'is required: the catalog package to run (`flotilla package list`)')
        : r.string(body.package, `${where}.package`),
    ...(body.version === undefined ? {} : { version: String(body.version) }),
    options:
      body.options === undefined || body.options === null
        ? {}
        : resolveVariables(r.object(body.options, `${where}.options`), scope, `stack.${where}.options`),
    dependsOn: deps === undefined ? [] : r.stringArray(deps, `${where}.dependsOn`),
    ...(body.constraints === undefined
      ? {}
      : { constraints: stackConstraints(body.constraints, `stack.${where}.constraints`) }),
    ...(driver === undefined ? {} : { driver }),
    ...(body.image === undefined ? {} : { image: r.string(body.image, `${where}.image`) }),
  };
}

function driverName(r: Reader, value: unknown, field: string): DriverName {
  const name = r.string(value, field);
  if (!(DRIVERS as readonly string[]).includes(name)) r.fail(field, `must be one of ${DRIVERS.join(', ')}`);
  return name as DriverName;
}

function startOrderOf(r: Reader, value: unknown): StartOrder {
  const order = r.string(value, 'startOrder');
  if (!(START_ORDERS as readonly string[]).includes(order))
    r.fail('startOrder', `must be one of ${START_ORDERS.join(', ')}`);
  return order as StartOrder;
}

/** Marathon constraints under a service, reported as a stack file error. */
function stackConstraints(raw: unknown, where: string): Constraint[] {
  try {
    return parseConstraints(raw, where);
  } catch (err) {
    if (err instanceof FlotillaError) throw new FlotillaError('STACK_INVALID', err.message, err.details);
    throw err;
  }
}

/** A `${cache.url}` reference implies a dependency on `cache`: it cannot start before cache is ready. */
function addImplicitDependencies(spec: StackSpec): void {
  for (const d of spec.declarations) {
    const refs =
      d.kind === 'service'
        ? referencesIn(d.service.options)
        : referencesIn([d.app.cmd, d.app.args, d.app.env]);
    const deps = declaredDependencies(d);
    for (const ref of refs) if (!deps.includes(ref.owner)) deps.push(ref.owner);
  }
}

export function checkGraph(r: Reader, spec: StackSpec): void {
  const deps = new Map<string, string[]>();
  for (const d of spec.declarations) {
    const name = declaredName(d);
    if (deps.has(name))
      r.fail(
        d.kind === 'service' ? `services.${name}` : `apps.${name}`,
        d.kind === 'service'
          ? 'is declared twice'
          : 'has the same name as a service; names are shared by services and apps',
      );
    deps.set(name, declaredDependencies(d));
  }
  for (const [name, list] of deps) {
    for (const d of list)
      if (!deps.has(d)) r.fail(name, `depends on "${d}", which the stack does not declare`);
  }
  const done = new Set<string>();
  const visiting: string[] = [];
  const visit = (n: string): void => {
    if (done.has(n)) return;
    if (visiting.includes(n)) {
      const cycle = [...visiting.slice(visiting.indexOf(n)), n].join(' -> ');
      throw new FlotillaError('DEPENDENCY_CYCLE', `stack ${spec.name}: dependency cycle ${cycle}`);
    }
    visiting.push(n);
    for (const d of deps.get(n) ?? []) visit(d);
    visiting.pop();
    done.add(n);
  };
  for (const n of deps.keys()) visit(n);
}
