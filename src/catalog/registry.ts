import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { PackageDescription, PackageSummary } from '../core/api-schemas.js';
import { FlotillaError } from '../core/errors.js';
import { cassandra } from './cassandra/index.js';
import { kafka3, kafka4 } from './kafka/index.js';
import type { PackageDefinition } from './package.js';
import { redis } from './redis/index.js';
import { spark } from './spark/index.js';
import { zookeeper } from './zookeeper/index.js';

/** The first entry of a name is its default version. */
const PACKAGES: readonly PackageDefinition[] = [redis, zookeeper, kafka4, kafka3, spark, cassandra];

export const REDACTED = '********';

export function listPackages(): PackageSummary[] {
  return PACKAGES.map(({ name, version, description }) => ({ name, version, description })).sort((a, b) =>
    a.name.localeCompare(b.name),
  );
}

export function getPackage(name: string, version?: string): PackageDefinition {
  const matches = PACKAGES.filter((p) => p.name === name);
  if (matches.length === 0) {
    const known = [...new Set(PACKAGES.map((p) => p.name))].sort();
    throw new FlotillaError('PACKAGE_NOT_FOUND', `no package named "${name}" (known: ${known.join(', ')})`);
  }
  if (version === undefined) return matches[0] as PackageDefinition;
  const exact = matches.find((p) => p.version === version);
  if (!exact) {
    const versions = matches.map((p) => p.version).join(', ');
    throw new FlotillaError(
      'PACKAGE_NOT_FOUND',
      `package ${name} has no version ${version} (known: ${versions})`,
    );
  }
  return exact;
}

export function describePackage(pkg: PackageDefinition): PackageDescription {
  return {
    name: pkg.name,
    version: pkg.version,
    description: pkg.description,
    optionsSchema: pkg.optionsSchema,
    binaries: pkg.binaries.map((b) => ({ ...b })),
  };
}

// verbose: errors carry the failing subschema, which names the sibling options for suggestions.
const ajv = new Ajv2020({ allErrors: true, useDefaults: true, verbose: true, strict: true });
const validators = new WeakMap<PackageDefinition, ValidateFunction>();

function validatorFor(pkg: PackageDefinition): ValidateFunction {
  let validate = validators.get(pkg);
  if (!validate) {
    validate = ajv.compile(pkg.optionsSchema);
    validators.set(pkg, validate);
  }
  return validate;
}

/**
 * Compiles every package's options validator now: left to the first install of a package, Ajv's
 * compile (its meta-schema first) held the daemon's loop for about 30 ms in that request.
 */
export function compileOptionValidators(): void {
  for (const pkg of PACKAGES) validatorFor(pkg);
}

/** The options with the schema's defaults filled in; the caller's object is left untouched. */
export function validateOptions(pkg: PackageDefinition, options: unknown): Record<string, unknown> {
  const data: unknown = options === undefined || options === null ? {} : structuredClone(options);
  const validate = validatorFor(pkg);
  if (!validate(data)) {
    const errors = validate.errors ?? [];
    const messages = [...new Set(errors.map((e) => describeError(pkg.name, e)))];
    throw new FlotillaError('PACKAGE_OPTIONS_INVALID', messages.join('; '), {
      errors: errors.map((e) => ({ path: optionPath(e.instancePath), keyword: e.keyword })),
    });
  }
  return data as Record<string, unknown>;
}

/** A copy of the options with every `writeOnly` (secret) value replaced, at any depth. */
export function redactOptions(
  pkg: PackageDefinition,
  options: Record<string, unknown>,
): Record<string, unknown> {
  return redact(pkg.optionsSchema, options) as Record<string, unknown>;
}

/**
 * Endpoints with every secret option's value (as given, and as a URL carries it) replaced: what a
 * view of the service shows. Only the endpoints route gives the connection string with its secret.
 */
export function redactEndpoints<E extends { values: Record<string, string> }>(
  pkg: PackageDefinition,
  options: Record<string, unknown>,
  endpoints: E[],
): E[] {
  const secrets = secretValues(pkg.optionsSchema, options).flatMap((s) => [s, encodeURIComponent(s)]);
  if (secrets.length === 0) return endpoints;
  const hide = (v: string) => secrets.reduce((text, s) => text.split(s).join(REDACTED), v);
  return endpoints.map((e) => ({
    ...e,
    values: Object.fromEntries(Object.entries(e.values).map(([k, v]) => [k, hide(v)])),
  }));
}

function secretValues(schema: unknown, value: unknown): string[] {
  if (!isObject(schema)) return [];
  if (schema.writeOnly === true) return typeof value === 'string' && value !== '' ? [value] : [];
  if (!isObject(value) || !isObject(schema.properties)) return [];
  const properties = schema.properties;
  return Object.entries(value).flatMap(([key, v]) => secretValues(properties[key], v));
}

function redact(schema: unknown, value: unknown): unknown {
  if (!isObject(schema)) return value;
  if (schema.writeOnly === true && value !== undefined) return REDACTED;
  if (!isObject(value) || !isObject(schema.properties)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = redact(schema.properties[key], v);
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** JSON pointer "/a/b~1c" → "a.b/c"; the root is "". */
function optionPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number' && Number.isInteger(v)) return 'integer';
  return typeof v;
}

function describeError(pkgName: string, e: ErrorObject): string {
  const at = optionPath(e.instancePath);
  const parent: Record<string, unknown> = isObject(e.parentSchema) ? e.parentSchema : {};
  if (e.keyword === 'additionalProperties') {
    const name = String(e.params.additionalProperty);
    const known = isObject(parent.properties) ? Object.keys(parent.properties) : [];
    const full = at ? `${at}.${name}` : name;
    const guess = closest(name, known);
    const hint = guess ? `did you mean "${guess}"?` : `known options: ${known.join(', ')}`;
    return `unknown option "${full}" for package ${pkgName} (${hint})`;
  }
  const subject = at ? `option "${at}" of package ${pkgName}` : `options for package ${pkgName}`;
  // Echo what the user gave, except for secrets: an error message may end up in logs.
  const got = parent.writeOnly === true ? '' : ` (got ${JSON.stringify(e.data)})`;
  switch (e.keyword) {
    case 'type':
      return `${subject} must be of type ${String(e.params.type)}, got ${jsonType(e.data)}`;
    case 'enum': {
      const allowed = (e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ');
      return `${subject} must be one of ${allowed}${got}`;
    }
    case 'required':
      return `${subject} is missing "${String(e.params.missingProperty)}"`;
    case 'pattern': {
      const examples = Array.isArray(parent.examples) ? `, e.g. ${JSON.stringify(parent.examples[0])}` : '';
      return `${subject} must match ${String(e.params.pattern)}${examples}${got}`;
    }
    default:
      return `${subject} ${e.message ?? 'is invalid'}${got}`;
  }
}

/** The known name within a small edit distance of `name`, to catch typos. */
function closest(name: string, known: string[]): string | undefined {
  const limit = Math.max(2, Math.floor(name.length / 3));
  let best: { name: string; d: number } | undefined;
  for (const k of known) {
    const d = editDistance(name.toLowerCase(), k.toLowerCase());
    if (d <= limit && (!best || d < best.d)) best = { name: k, d };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}
