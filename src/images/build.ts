import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { contextFiles, readDockerignore } from './dockerignore.js';
import { FlotillaError } from '../core/errors.js';
import { type Engine, EngineError } from '../drivers/docker/engine.js';
import { followProgress, type FollowResult } from './progress.js';

export type OnProgress = (line: string) => void;

/** A Compose `build:`: a context directory on this machine, its Dockerfile and build arguments. */
export interface BuildSpec {
  context: string;
  /** Relative to the context; `Dockerfile` unless stated. */
  dockerfile?: string;
  args?: Record<string, string>;
}

/** Docker's reference grammar, loosely: enough to keep anything else out of request paths. */
const REFERENCE = /^[A-Za-z0-9][A-Za-z0-9._\-/:@]*$/;

export function checkReference(name: string): string {
  if (!REFERENCE.test(name) || name.includes('..')) {
    throw new FlotillaError(
      'VALIDATION_FAILED',
      `"${name}" is not an image name (e.g. flotilla/redis:1.0.0)`,
    );
  }
  return name;
}

/** Whether the engine holds an image of that name (or ID). */
export async function imageExists(engine: Engine, name: string): Promise<boolean> {
  try {
    await engine.json({ path: `/images/${checkReference(name)}/json`, timeoutMs: 10_000 });
    return true;
  } catch (err) {
    if (err instanceof EngineError && err.status === 404) return false;
    throw err;
  }
}

/**
 * Streams a directory as a tar archive into an Engine request (build, import) and follows the
 * JSON progress it answers. tar runs without a shell; it is stopped if the engine gives up first.
 */
export async function sendTar(
  engine: Engine,
  dir: string,
  req: { path: string; query: Record<string, string | number | boolean | undefined> },
  onProgress: OnProgress,
  tarOptions: string[] = [],
  /** A file of NUL-separated paths to send instead of the whole folder (a .dockerignore applied). */
  memberList?: string,
): Promise<FollowResult> {
  const members = memberList ? ['--no-recursion', '--null', '-T', memberList] : ['.'];
  const args = ['--numeric-owner', ...tarOptions, '-C', dir, '-c', ...members];
  const tar = spawn('tar', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  tar.stderr.setEncoding('utf8').on('data', (c: string) => (stderr = (stderr + c).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => {
    tar.on('error', (err) => {
      stderr += err.message;
      resolve(-1);
    });
    tar.on('close', (code) => resolve(code));
  });
  try {
    const res = await engine.raw({
      method: 'POST',
      path: req.path,
      query: req.query,
      stream: { data: tar.stdout, contentType: 'application/x-tar' },
    });
    const result = await followProgress(res, onProgress);
    const code = await exited;
    if (code !== 0 && !result.error) result.error = `tar of ${dir} failed (exit ${code}): ${stderr.trim()}`;
    return result;
  } finally {
    if (tar.exitCode === null) tar.kill('SIGKILL');
  }
}

/** Builds the context directory into `tag`; IMAGE_BUILD_FAILED with the last lines of output on failure. */
export async function buildDirectory(
  engine: Engine,
  dir: string,
  tag: string,
  opts: {
    dockerfile?: string;
    args?: Record<string, string>;
    labels?: Record<string, string>;
    onProgress?: OnProgress;
    /** Whether every file goes in world-readable, whatever its mode here (the catalog's jars). */
    readable?: boolean;
  } = {},
): Promise<string | undefined> {
  const onProgress = opts.onProgress ?? (() => undefined);
  let result: FollowResult;
  const list = memberListFor(dir, opts.dockerfile);
  try {
    result = await sendTar(
      engine,
      dir,
      {
        path: '/build',
        query: {
          t: checkReference(tag),
          rm: 1,
          forcerm: 1,
          dockerfile: opts.dockerfile,
          buildargs: opts.args ? JSON.stringify(opts.args) : undefined,
          labels: opts.labels ? JSON.stringify(opts.labels) : undefined,
        },
      },
      onProgress,
      // Tasks run as the daemon's uid, not root: a jar cached 0600 must still be readable to them.
      opts.readable ? ['--mode=a+rX'] : [],
      list?.file,
    );
  } catch (err) {
    if (!(err instanceof EngineError)) throw err;
    result = { error: err.message, tail: [] };
  } finally {
    list?.remove();
  }
  if (result.error !== undefined) {
    const output = result.tail.length ? `; its last output:\n${result.tail.join('\n')}` : '';
    throw new FlotillaError('IMAGE_BUILD_FAILED', `building ${tag} failed: ${result.error}${output}`, {
      image: tag,
      output: result.tail,
    });
  }
  return result.imageId;
}

/** Builds a user's context (a Compose `build:`) into `tag`; concurrent calls for one tag share one build. */
export async function buildFromContext(
  engine: Engine,
  spec: BuildSpec,
  tag: string,
  onProgress?: OnProgress,
): Promise<void> {
  const context = path.resolve(spec.context);
  if (!fs.existsSync(context) || !fs.statSync(context).isDirectory()) {
    throw new FlotillaError(
      'IMAGE_BUILD_FAILED',
      `the build context of ${tag}, ${context}, is not a directory on this machine (Git URLs are not supported)`,
    );
  }
  const dockerfile = spec.dockerfile ?? 'Dockerfile';
  const inside = path.relative(context, path.resolve(context, dockerfile));
  if (inside.startsWith('..') || path.isAbsolute(inside) || !fs.existsSync(path.join(context, inside))) {
    throw new FlotillaError(
      'IMAGE_BUILD_FAILED',
      `the Dockerfile of ${tag}, ${dockerfile}, must be a file inside its build context ${context}`,
    );
  }
  return shareBuild(engine, tag, onProgress, async (progress) => {
    await buildDirectory(engine, context, tag, {
      dockerfile: inside.split(path.sep).join('/'),
      ...(spec.args ? { args: spec.args } : {}),
      onProgress: progress,
    });
  });
}

interface Inflight {
  done: Promise<void>;
  listeners: Set<OnProgress>;
}
const inflight = new Map<string, Inflight>();

/**
 * Runs `build` once per engine and tag at a time: a second caller waits for the first build (and
 * sees its progress from then on) instead of starting another.
 */
export function shareBuild(
  engine: Engine,
  tag: string,
  onProgress: OnProgress | undefined,
  build: (onProgress: OnProgress) => Promise<void>,
): Promise<void> {
  const key = `${JSON.stringify(engine.address)} ${tag}`;
  let entry = inflight.get(key);
  if (!entry) {
    const listeners = new Set<OnProgress>();
    const done = build((line) => listeners.forEach((l) => l(line))).finally(() => inflight.delete(key));
    entry = { done, listeners };
    inflight.set(key, entry);
  }
  const current = entry;
  if (onProgress) current.listeners.add(onProgress);
  return current.done.finally(() => {
    if (onProgress) current.listeners.delete(onProgress);
  });
}

/** With a .dockerignore in the context: the paths to send, in a temporary file for tar's -T. */
function memberListFor(
  dir: string,
  dockerfile: string | undefined,
): { file: string; remove: () => void } | undefined {
  const rules = readDockerignore(dir);
  if (!rules) return undefined;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-context-'));
  const file = path.join(tmp, 'members');
  fs.writeFileSync(
    file,
    contextFiles(dir, rules, dockerfile)
      .map((p) => `${p}\0`)
      .join(''),
  );
  return { file, remove: () => fs.rmSync(tmp, { recursive: true, force: true }) };
}
