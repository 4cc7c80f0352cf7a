import fs from 'node:fs';
import path from 'node:path';
import { composeProjectName } from '../core/compose-names.js';
import { scanYaml } from '../core/yaml-text.js';
import { UsageError } from './errors.js';
import { includedVariables } from './compose-includes.js';
import { readLimited, readStackFile, referencedVariables, type StackRequest } from './stack-file.js';

/**
 * Which files `up`, `down` and `compose config` read, as Docker Compose picks them: the `-f` files
 * in order (the first is the file, the others override it); without `-f`, COMPOSE_FILE (split on
 * COMPOSE_PATH_SEPARATOR, `:` by default); else compose.yaml (or compose.yml, docker-compose.yaml,
 * docker-compose.yml) in the current folder, with its override file (compose.override.yaml, …)
 * when there is one. The project name: --name, else COMPOSE_PROJECT_NAME, else the file's `name:`,
 * else the folder's name. Profiles: --profile, else COMPOSE_PROFILES (comma-separated).
 */
export interface ComposeFlags {
  file: string[];
  name?: string;
  profile: string[];
  envFile: string[];
}

export interface ComposeRequest extends StackRequest {
  overrides?: string[];
  envFiles?: string[];
  profiles?: string[];
  /** The files read, in order (for messages). */
  files: string[];
}

const DEFAULT_FILES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];
const OVERRIDE_FILES = [
  'compose.override.yaml',
  'compose.override.yml',
  'docker-compose.override.yaml',
  'docker-compose.override.yml',
];

export function composeFiles(
  flags: string[],
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): string[] {
  if (flags.length > 0) return flags;
  if (env.COMPOSE_FILE)
    return env.COMPOSE_FILE.split(env.COMPOSE_PATH_SEPARATOR ?? ':').filter((f) => f !== '');
  const main = DEFAULT_FILES.map((f) => path.join(cwd, f)).find((f) => fs.existsSync(f));
  if (!main) throw new UsageError(`no stack file: give one with -f, or add a compose.yaml to ${cwd}`);
  const dir = path.dirname(main);
  const override = OVERRIDE_FILES.map((f) => path.join(dir, f)).find((f) => fs.existsSync(f));
  return override ? [main, override] : [main];
}

export function readComposeRequest(
  flags: ComposeFlags,
  env: NodeJS.ProcessEnv = process.env,
): ComposeRequest {
  const files = composeFiles(flags.file, env);
  const nameFlag = flags.name ?? (env.COMPOSE_PROJECT_NAME || undefined);
  const main = readStackFile(files[0]!, nameFlag === undefined ? undefined : projectName(nameFlag), env);
  Object.assign(main.variables, includedVariables(main.source, main.directory, env));
  const overrides = files.slice(1).map((f) => {
    const text = readLimited(f, 'override file');
    scanYaml(text, `the override file ${f}`);
    for (const n of referencedVariables(text)) if (env[n] !== undefined) main.variables[n] = env[n];
    Object.assign(main.variables, includedVariables(text, main.directory, env));
    return text;
  });
  const profiles =
    flags.profile.length > 0
      ? flags.profile
      : (env.COMPOSE_PROFILES ?? '')
          .split(',')
          .map((p) => p.trim())
          .filter((p) => p !== '');
  return {
    ...main,
    name: projectName(main.name),
    files,
    ...(overrides.length > 0 ? { overrides } : {}),
    ...(flags.envFile.length > 0 ? { envFiles: flags.envFile.map((f) => path.resolve(f)) } : {}),
    ...(profiles.length > 0 ? { profiles } : {}),
  };
}

/** A name Flotilla takes as it is, or the project name Compose derives from it, made DNS-safe. */
function projectName(name: string): string {
  return /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(name) ? name : composeProjectName(name);
}

/** What the daemon needs besides the main file's text. */
export function composeBody(r: ComposeRequest): {
  directory: string;
  variables: Record<string, string>;
  overrides?: string[];
  envFiles?: string[];
  profiles?: string[];
} {
  return {
    directory: r.directory,
    variables: r.variables,
    ...(r.overrides ? { overrides: r.overrides } : {}),
    ...(r.envFiles ? { envFiles: r.envFiles } : {}),
    ...(r.profiles ? { profiles: r.profiles } : {}),
  };
}
