import fs from 'node:fs';
import path from 'node:path';
import { composeProjectName } from '../core/compose-names.js';
import { checkInside, hostPath } from './compose-host.js';
import { Reader, checkName } from './check.js';
import { assemble } from './compose-assemble.js';
import { TOP_KEYS, checkKeys, type Warn } from './compose-keys.js';
import { isMapping } from '../core/compose-format.js';
import { invalid, object, str } from './compose-read.js';
import { interpolateVariables, parseDotenv } from './compose-text.js';
import type { ComposeOptions } from './compose.js';

/** A Compose model read as Compose reads it: files merged, includes and extends resolved, variables interpolated. */
export interface LoadedCompose {
  top: Record<string, unknown>;
  /** The variables a bare `KEY` takes: the request's over the env files'. */
  vars: Record<string, string>;
  unset: Set<string>;
  /** Warning lines so far; `warn` adds one. */
  lines: string[];
  warn: Warn;
  host: { directory: string | undefined; allowedRoot: string | undefined };
  /** The stack's name: the file's `name:` as Compose derives a project name, made DNS-safe; else the request's. */
  name: string;
}

/**
 * `extensions`: interpolate the `x-` blocks too (as `compose config` prints them); otherwise they are
 * left as written, unread, so a required variable in an unused block asks for nothing.
 */
export function loadCompose(
  data: unknown,
  opts: ComposeOptions,
  { extensions = false }: { extensions?: boolean } = {},
): LoadedCompose {
  const { directory } = opts;
  if (directory !== undefined && !path.isAbsolute(directory))
    invalid('directory', `must be an absolute path, got "${directory}"`);
  if (directory !== undefined && opts.allowedRoot !== undefined)
    checkInside(directory, opts.allowedRoot, 'directory');
  const host = { directory, allowedRoot: opts.allowedRoot };
  let vars: Record<string, string> = { ...readEnvFiles(opts, opts.variables ?? {}), ...opts.variables };
  const lines: string[] = [];
  const warn: Warn = (at, what) => lines.push(`${at}: ${what}`);
  // Each file is interpolated once, with its own variables (an included one with its project's).
  const load = () => {
    const unset = new Set<string>();
    let mentions = false;
    const interpolate = (tree: Record<string, unknown>, own: Record<string, string>) => {
      mentions ||= JSON.stringify(tree).includes('COMPOSE_PROJECT_NAME');
      return object(
        interpolateTree(tree, own, '', (n) => unset.add(n), extensions),
        'the Compose file',
      );
    };
    const top = assemble(data, opts.overrideData ?? [], host, vars, interpolate);
    return { top, unset, mentions };
  };
  const first = load();
  let { top, unset } = first;
  checkKeys(top, '', TOP_KEYS, warn);
  const written = top.name === undefined || top.name === null ? undefined : str(top.name, 'name');
  if (written === undefined && !opts.name)
    invalid('name', 'is required: give the file a top-level name: or name the stack in the request');
  const name = checkName(
    new Reader('STACK_INVALID', 'name'),
    written === undefined ? opts.name : composeProjectName(written),
    '',
  );
  // As Compose, COMPOSE_PROJECT_NAME is the project's name when the environment does not set it.
  if (vars.COMPOSE_PROJECT_NAME === undefined && first.mentions) {
    vars = { ...vars, COMPOSE_PROJECT_NAME: name };
    ({ top, unset } = load());
  }
  return { top, vars, unset, lines, warn, host, name };
}

/**
 * The variables of the `--env-file`s (in order, later ones winning), else of the folder's `.env` when
 * there is one: they only feed interpolation, as in Compose.
 */
function readEnvFiles(opts: ComposeOptions, variables: Record<string, string>): Record<string, string> {
  const { directory } = opts;
  if (opts.envFiles && opts.envFiles.length > 0) {
    let out: Record<string, string> = {};
    opts.envFiles.forEach((f, i) => {
      const full = hostPath(f, `envFiles[${i}]`, { directory, allowedRoot: opts.allowedRoot });
      let text: string;
      try {
        text = fs.readFileSync(full, 'utf8');
      } catch (err) {
        invalid(`envFiles[${i}]`, `cannot read ${full}: ${(err as Error).message}`);
      }
      out = { ...out, ...parseDotenv(text, { ...out, ...variables }, full) };
    });
    return out;
  }
  if (directory === undefined) return {};
  const file = path.join(directory, '.env');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  return parseDotenv(text, variables, file);
}

function interpolateTree(
  value: unknown,
  vars: Record<string, string>,
  at: string,
  unset: (name: string) => void,
  extensions = false,
): unknown {
  if (typeof value === 'string') return interpolateVariables(value, vars, at || 'the file', unset);
  if (Array.isArray(value))
    return value.map((v, i) => interpolateTree(v, vars, `${at}[${i}]`, unset, extensions));
  if (isMapping(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        // Extensions are dropped unread: a required variable in an unused x- block asks for nothing.
        k.startsWith('x-') && !extensions
          ? v
          : interpolateTree(v, vars, at ? `${at}.${k}` : k, unset, extensions),
      ]),
    );
  }
  return value;
}
