import { createInterface } from 'node:readline';
import { FlotillaError, isFlotillaError } from '../core/errors.js';
import type { PullEvent } from '../core/streams.js';
import { type Engine, EngineError } from '../drivers/docker/engine.js';
import { checkReference } from './build.js';
import {
  parseReference,
  registryAuthHeader,
  registryCredentials,
  type RegistryCredentials,
} from './registry.js';

export { pullLine, type PullEvent } from '../core/streams.js';
export type OnPull = (event: PullEvent) => void;

export interface PullOptions {
  /** Where DOCKER_CONFIG/HOME (the credentials) and FLOTILLA_PULL_TIMEOUT are read from. */
  env?: NodeJS.ProcessEnv;
  /** The caller's own credentials by registry host, used before the daemon user's config.json. */
  credentials?: Record<string, RegistryCredentials> | undefined;
  onEvent?: OnPull;
  /** Give up when the engine reports nothing for this long (a registry that does not answer). */
  timeoutMs?: number;
}

export interface PullResult {
  image: string;
  registry: string;
  layers: number;
  bytes: number;
  seconds: number;
}

/** Seconds without a word from the engine before a pull is given up: FLOTILLA_PULL_TIMEOUT, else 60. */
export function pullTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const s = Number(env.FLOTILLA_PULL_TIMEOUT);
  return (Number.isFinite(s) && s > 0 ? s : 60) * 1000;
}

/** A progress bar redraws hundreds of times a layer: at most this often per layer, besides status changes. */
const REDRAW_MS = 250;

const inflight = new Map<string, { done: Promise<PullResult>; listeners: Set<OnPull> }>();

/**
 * Pulls `ref` through the engine (POST /images/create, X-Registry-Auth from config.json), once per
 * engine and image at a time: a second caller waits for the first pull and sees its events from then
 * on. Coded errors name the image and its registry: REGISTRY_UNREACHABLE (with the ways out),
 * IMAGE_PULL_DENIED, IMAGE_PULL_FAILED, REGISTRY_AUTH_UNSUPPORTED, DOCKER_UNAVAILABLE.
 */
export function pullImage(engine: Engine, ref: string, opts: PullOptions = {}): Promise<PullResult> {
  const key = `${JSON.stringify(engine.address)} ${ref}`;
  let entry = inflight.get(key);
  if (!entry) {
    const listeners = new Set<OnPull>();
    const done = pullOnce(engine, ref, opts, (e) => listeners.forEach((l) => l(e))).finally(() =>
      inflight.delete(key),
    );
    entry = { done, listeners };
    inflight.set(key, entry);
  }
  const current = entry;
  if (opts.onEvent) current.listeners.add(opts.onEvent);
  return current.done.finally(() => {
    if (opts.onEvent) current.listeners.delete(opts.onEvent);
  });
}

async function pullOnce(engine: Engine, ref: string, opts: PullOptions, emit: OnPull): Promise<PullResult> {
  const image = checkReference(ref);
  const env = opts.env ?? process.env;
  const parsed = parseReference(image);
  const timeoutMs = opts.timeoutMs ?? pullTimeoutMs(env);
  const headers = registryAuthHeader(
    opts.credentials?.[parsed.registry] ?? registryCredentials(parsed.registry, env),
  );
  // A hung engine is DOCKER_UNAVAILABLE (with its timeout), not a registry that does not answer.
  await engine.version();
  const t0 = Date.now();
  const abort = new AbortController();
  let timer = setTimeout(() => abort.abort(), timeoutMs);
  const touch = () => {
    clearTimeout(timer);
    timer = setTimeout(() => abort.abort(), timeoutMs);
  };
  const colon = image.lastIndexOf(':');
  const tagged = !parsed.digest && colon > image.lastIndexOf('/');
  const query = parsed.digest
    ? { fromImage: image }
    : { fromImage: tagged ? image.slice(0, colon) : image, tag: parsed.tag };
  const layers = new Map<string, number>();
  const drawn = new Map<string, number>();
  let error: string | undefined;
  try {
    const res = await engine.raw({
      method: 'POST',
      path: '/images/create',
      query,
      headers,
      signal: abort.signal,
      longLived: true,
    });
    touch();
    res.on('data', touch);
    await new Promise<void>((resolve, reject) => {
      res.on('error', reject);
      createInterface({ input: res, crlfDelay: Infinity })
        .on('line', (raw) => {
          const m = parseLine(raw);
          if (!m) return;
          if (m.error !== undefined) error = m.error;
          if (m.status === undefined) return;
          const total = m.progressDetail?.total;
          if (m.id && m.status === 'Downloading' && total) layers.set(m.id, total);
          const bar = m.progressDetail?.current !== undefined;
          if (bar && m.id) {
            const last = drawn.get(m.id) ?? 0;
            if (Date.now() - last < REDRAW_MS) return;
            drawn.set(m.id, Date.now());
          }
          emit({
            image,
            ...(m.id && m.id !== parsed.tag ? { layer: m.id } : {}),
            status: m.status,
            ...(bar ? { current: m.progressDetail?.current, total } : {}),
          });
        })
        .on('close', resolve);
    });
  } catch (err) {
    if (abort.signal.aborted)
      throw unreachable(image, parsed.registry, `nothing answered within ${timeoutMs / 1000} s`);
    if (isFlotillaError(err)) throw err;
    if (!(err instanceof EngineError)) throw err;
    error = err.message;
  } finally {
    clearTimeout(timer);
  }
  if (error !== undefined) throw classify(image, parsed.registry, error);
  const bytes = [...layers.values()].reduce((a, b) => a + b, 0);
  return { image, registry: parsed.registry, layers: layers.size, bytes, seconds: (Date.now() - t0) / 1000 };
}

interface PullMessage {
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
}

function parseLine(raw: string): PullMessage | undefined {
  if (!raw.trim()) return undefined;
  try {
    const m = JSON.parse(raw) as PullMessage & { errorDetail?: { message?: string } };
    return { ...m, ...(m.errorDetail?.message ? { error: m.errorDetail.message } : {}) };
  } catch {
    return undefined;
  }
}

const UNREACHABLE =
  /dial tcp|connection refused|no such host|i\/o timeout|deadline exceeded|Client\.Timeout|TLS handshake|server gave HTTP response|network is unreachable|EOF/i;
const DENIED =
  /unauthorized|authentication required|no basic auth credentials|denied|forbidden|\b401\b|\b403\b/i;

/** The engine's words for why a pull failed, as a coded error that says what to do. */
export function classify(image: string, registry: string, message: string): FlotillaError {
  if (DENIED.test(message)) {
    return new FlotillaError(
      'IMAGE_PULL_DENIED',
      `${registry} refused to give ${image} (${message}): log in with \`docker login ${registry}\` ` +
        '(Flotilla reads the credentials from $DOCKER_CONFIG/config.json, else ~/.docker/config.json)',
      { image, registry },
    );
  }
  if (UNREACHABLE.test(message)) return unreachable(image, registry, message);
  return new FlotillaError('IMAGE_PULL_FAILED', `pulling ${image} from ${registry} failed: ${message}`, {
    image,
    registry,
  });
}

function unreachable(image: string, registry: string, why: string): FlotillaError {
  return new FlotillaError(
    'REGISTRY_UNREACHABLE',
    `${image} is not on the Docker engine and its registry ${registry} cannot be reached (${why}). ` +
      `Ways out: a registry mirror (dockerd's "registry-mirrors" in /etc/docker/daemon.json, or name the ` +
      `image at a registry you reach), \`docker load -i <file>\` of a saved image, or a \`build:\` of the ` +
      'service from its Dockerfile',
    { image, registry },
  );
}
