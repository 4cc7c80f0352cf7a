import { FlotillaError } from '../core/errors.js';

/** `${owner.field}`; `$${...}` escapes a literal `${...}`. Shell-style `${VAR}` (no dot) is left alone. */
const REF = /(\$?)\$\{([a-z0-9][a-z0-9-]*)\.([A-Za-z0-9_]+)\}/g;

export interface Reference {
  owner: string;
  field: string;
}

export function referencesIn(value: unknown): Reference[] {
  const refs: Reference[] = [];
  walkStrings(value, (s) => {
    for (const m of s.matchAll(REF)) if (m[1] !== '$') refs.push({ owner: m[2]!, field: m[3]! });
    return s;
  });
  return refs;
}

/** Replaces every reference with its value from `endpoints` (owner -> field -> value). */
export function interpolate<T>(value: T, endpoints: Map<string, Record<string, string>>, where: string): T {
  return walkStrings(value, (s) =>
    s.replace(REF, (whole, escape: string, owner: string, field: string) => {
      if (escape === '$') return whole.slice(1);
      const values = endpoints.get(owner);
      if (!values) {
        throw new FlotillaError(
          'STACK_REFERENCE_UNKNOWN',
          `${where}: \${${owner}.${field}} names no known service`,
        );
      }
      const v = values[field];
      if (v === undefined) {
        throw new FlotillaError(
          'STACK_REFERENCE_UNKNOWN',
          `${where}: service "${owner}" has no field "${field}"; it has ${Object.keys(values).join(', ')}`,
        );
      }
      return v;
    }),
  ) as T;
}

function walkStrings(value: unknown, fn: (s: string) => string): unknown {
  if (typeof value === 'string') return fn(value);
  if (Array.isArray(value)) return value.map((v) => walkStrings(v, fn));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walkStrings(v, fn)]));
  }
  return value;
}

/** What `${…}` may hold in a stack file: a reference `owner.field`, or a variable in one of Compose's forms. */
const BRACED = /(\$?)\$\{([^}]*)\}/g;
const REFERENCE_BODY = /^([a-z0-9][a-z0-9-]*)\.([A-Za-z0-9_]+)$/;
const VARIABLE_BODY = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([\s\S]*))?$/;

export interface VariableScope {
  /** The variables of the request (the CLI's environment entries the file names). */
  variables: Record<string, string>;
  /** Services a reference may name; null: any (checked when the deploy resolves it). */
  services: ReadonlySet<string> | null;
  /** Apps of the same stack: a reference to one is refused (an app has no endpoint). */
  apps: ReadonlySet<string>;
  /** Told each unset variable once, as Compose warns. */
  unset(name: string): void;
}

/**
 * Resolves the variables of a stack file's strings that no shell reads (env values, args, options)
 * as Compose does: `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}`,
 * `${VAR?message}`, `${VAR:+alt}`, `${VAR+alt}`; an unset one is blank, and reported. References
 * stay for the deploy, `$${…}` is a literal `${…}`. Anything else in `${…}` can never mean what the
 * file says, so it is refused instead of reaching the app as text.
 */
export function resolveVariables<T>(value: T, scope: VariableScope, where: string): T {
  return walkStrings(value, (s) =>
    s.replace(BRACED, (whole, escape: string, body: string) => {
      const ref = REFERENCE_BODY.exec(body);
      if (escape === '$') return ref ? whole : whole.slice(1);
      if (ref) return checkReference(whole, ref[1]!, scope, where);
      const v = VARIABLE_BODY.exec(body);
      if (!v) throw notUnderstood(whole, where);
      const [, name, op, operand = ''] = v;
      if (op === undefined && (scope.services?.has(name!) || scope.apps.has(name!)))
        throw new FlotillaError(
          'STACK_REFERENCE_UNKNOWN',
          `${where}: ${whole} names "${name}" without a field: write \${${name}.<field>}, e.g. \${${name}.url}`,
        );
      const set = scope.variables[name!];
      const present = op?.startsWith(':') ? set !== undefined && set !== '' : set !== undefined;
      switch (op?.slice(-1)) {
        case undefined:
          if (set === undefined) scope.unset(name!);
          return set ?? '';
        case '-':
          return present ? set! : operand;
        case '+':
          return present ? operand : '';
        default:
          if (present) return set!;
          throw new FlotillaError(
            'STACK_INVALID',
            `${where}: the variable ${name} is required${operand ? `: ${operand}` : ''}`,
          );
      }
    }),
  ) as T;
}

/**
 * A shell command's text (`cmd`): its `${VAR}` belong to the shell, but a `${owner.field}` must name a
 * service, and a `${a.b.c}` is neither a reference nor anything a shell can expand.
 */
export function checkShellText(text: string, scope: VariableScope, where: string): void {
  for (const m of text.matchAll(BRACED)) {
    if (m[1] === '$') continue;
    const ref = REFERENCE_BODY.exec(m[2]!);
    if (ref) checkReference(m[0], ref[1]!, scope, where);
    else if (/^[A-Za-z0-9_-]*\./.test(m[2]!)) throw notUnderstood(m[0], where);
  }
}

function checkReference(whole: string, owner: string, scope: VariableScope, where: string): string {
  if (scope.apps.has(owner))
    throw new FlotillaError(
      'STACK_REFERENCE_UNKNOWN',
      `${where}: ${whole} names the app "${owner}"; references name services, whose endpoints they read`,
    );
  if (scope.services && !scope.services.has(owner))
    throw new FlotillaError(
      'STACK_REFERENCE_UNKNOWN',
      `${where}: ${whole} names no service of this stack${scope.services.size > 0 ? ` (it has ${[...scope.services].join(', ')})` : ''}`,
    );
  return whole;
}

function notUnderstood(whole: string, where: string): FlotillaError {
  return new FlotillaError(
    'STACK_REFERENCE_UNKNOWN',
    `${where}: ${whole} is neither a \${service.field} reference nor a \${VARIABLE}; write $${whole} for the text itself`,
  );
}
