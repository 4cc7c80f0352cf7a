import type { PackageDefinition } from '../catalog/package.js';
import { getPackage } from '../catalog/registry.js';
import { FlotillaError } from '../core/errors.js';
import type { HealthCheckSpec } from '../core/health.js';
import type { ContainerSpec, PullPolicy } from '../core/task.js';
import type { PullEvent } from '../core/streams.js';
import type { RegistryAuth } from '../core/request-schemas.js';
import { type Engine, EngineError } from '../drivers/docker/engine.js';
import { checkReference } from '../images/build.js';
import { readHealthcheck } from '../specs/compose-lifecycle.js';
import {
  buildFromContext,
  ensureImage,
  imageExists,
  imageFor,
  parseReference,
  pullImage,
  registryCredentials,
  type ImageRef,
} from '../images/index.js';
import type { Store } from '../state/store.js';

/** How long an image pulled under `pull_policy: always` counts as fresh for the next launch. */
const ALWAYS_FRESH_MS = 60_000;

/**
 * The images container tasks run from, as the daemon sees them: the catalog's runtime images (named
 * when a service is rendered, built on first use like `flotilla images build` would), a Compose
 * service's `build:` (built when its tag is missing, as `docker compose up` does), or the user's own
 * image, pulled as its pull policy says (`missing` unless told: pulled when the engine lacks it).
 */
export class TaskImages {
  private readonly catalog = new Map<string, ImageRef>();
  /** When this daemon last pulled each image: `always` pulls once per launch wave, not per heal. */
  private readonly pulled = new Map<string, number>();
  /** When this daemon last built each `pull_policy: build` image. */
  private readonly built = new Map<string, number>();

  constructor(
    private readonly engine: () => Engine,
    private readonly store: Store,
    private readonly artifactsDir: string,
    private readonly log: (msg: string) => void,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /** The catalog image of a package with these options; remembered, to be built when a task needs it. */
  nameFor(pkg: PackageDefinition, options: Record<string, unknown>): string {
    const ref = imageFor(pkg, options);
    this.catalog.set(ref.name, ref);
    return ref.name;
  }

  /**
   * At admission, before anything is stored: a container task could ever start only when an engine
   * answers and its image is there, or is one this daemon builds, or may be pulled (its credentials,
   * when config.json names any, must be readable). Nothing is built or pulled here.
   */
  async admit(container: ContainerSpec): Promise<HealthCheckSpec[] | void> {
    const engine = this.engine();
    await engine.version();
    if (this.catalog.has(container.image) || this.fromServices(container.image)) return;
    if (!container.build && container.pullPolicy === 'build')
      throw missing(container.image, 'pull_policy: build without a build:');
    const health = await imageHealthcheck(engine, container.image);
    if (health !== undefined || container.build) return health ?? undefined;
    if (container.pullPolicy === 'never') throw missing(container.image, 'pull_policy: never');
    registryCredentials(parseReference(container.image).registry, this.env);
  }

  async prepare(container: ContainerSpec): Promise<void> {
    const engine = this.engine();
    if (container.build) {
      // `pull_policy: build` builds whether the image is there or not (never pulls), as Compose does:
      // once per launch wave, as `always` pulls, so a heal does not rebuild.
      const rebuild =
        container.pullPolicy === 'build' &&
        Date.now() - (this.built.get(container.image) ?? 0) >= ALWAYS_FRESH_MS;
      if (!rebuild && (await imageExists(engine, container.image))) return;
      this.log(`building ${container.image} from ${container.build.context}`);
      await buildFromContext(engine, container.build, container.image);
      this.built.set(container.image, Date.now());
      return;
    }
    const ref = this.catalog.get(container.image) ?? this.fromServices(container.image);
    if (ref) {
      const { built } = await ensureImage(engine, ref, { artifactsDir: this.artifactsDir });
      if (built) this.log(`built ${ref.name}`);
      return;
    }
    await this.ensurePulled(engine, container.image, container.pullPolicy ?? 'missing');
  }

  /**
   * The image present, as `policy` says: pulled when missing (or stale under `always`), else
   * IMAGE_MISSING. By default an image this daemon pulled under `always` within the last minute counts
   * as fresh (the launches and heals after an `up`); an `up` itself pulls anew (`fresh`), as Compose's
   * does. `onEvent` follows the pull's layers; `credentials` (the caller's) go before the daemon user's.
   */
  async ensurePulled(
    engine: Engine,
    image: string,
    policy: PullPolicy,
    opts: { fresh?: boolean; onEvent?: (e: PullEvent) => void; credentials?: RegistryAuth | undefined } = {},
  ): Promise<void> {
    // The catalog's images are built here, never pulled.
    if (this.catalog.has(image) || this.fromServices(image)) return;
    const present = await imageExists(engine, image);
    if (policy === 'never' || policy === 'build') {
      if (!present) throw missing(image, `pull_policy: ${policy}`);
      return;
    }
    const recent = !opts.fresh && Date.now() - (this.pulled.get(image) ?? 0) < ALWAYS_FRESH_MS;
    if (present && (policy === 'missing' || recent)) return;
    try {
      const r = await pullImage(engine, image, {
        env: this.env,
        credentials: opts.credentials,
        ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
      });
      this.pulled.set(image, Date.now());
      this.log(`pulled ${image} from ${r.registry} (${r.layers} layers, ${r.seconds.toFixed(1)} s)`);
    } catch (err) {
      // `always` with the image at hand: a registry that is down must not stop a task from healing.
      if (!present) throw err;
      this.log(`pulling ${image} failed, running the image at hand: ${(err as Error).message}`);
    }
  }
  /** After a daemon restart: the catalog image a stored service's tasks run from, if this is one. */
  private fromServices(name: string): ImageRef | undefined {
    for (const tenant of this.store.tenants.list()) {
      for (const s of this.store.services.list(tenant.name)) {
        let ref: ImageRef;
        try {
          ref = imageFor(getPackage(s.package, s.version), s.options);
        } catch {
          continue;
        }
        if (ref.name === name) {
          this.catalog.set(name, ref);
          return ref;
        }
      }
    }
    return undefined;
  }
}

/**
 * The HEALTHCHECK baked into an image, as the checks Compose's `healthcheck:` would give (Docker's
 * defaults for what it leaves out); null when the image is present without one, undefined when absent.
 */
async function imageHealthcheck(
  engine: Engine,
  image: string,
): Promise<HealthCheckSpec[] | null | undefined> {
  let info: { Config?: { Healthcheck?: DockerHealthcheck | null } };
  try {
    info = await engine.json({ path: `/images/${checkReference(image)}/json`, timeoutMs: 10_000 });
  } catch (err) {
    if (err instanceof EngineError && err.status === 404) return undefined;
    throw err;
  }
  const hc = info.Config?.Healthcheck;
  if (!hc?.Test?.length) return null;
  const secs = (ns: number | undefined) => (ns ? `${ns / 1e9}s` : undefined);
  const checks = readHealthcheck(
    {
      test: hc.Test,
      ...(secs(hc.Interval) ? { interval: secs(hc.Interval) } : {}),
      ...(secs(hc.Timeout) ? { timeout: secs(hc.Timeout) } : {}),
      ...(secs(hc.StartPeriod) ? { start_period: secs(hc.StartPeriod) } : {}),
      ...(hc.Retries ? { retries: hc.Retries } : {}),
    },
    `the HEALTHCHECK of ${image}`,
    // The engine's own fields: nothing there is a user's typo to warn about.
    () => undefined,
  );
  return checks.length ? checks : null;
}

interface DockerHealthcheck {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  Retries?: number;
}

function missing(image: string, why: string): FlotillaError {
  return new FlotillaError(
    'IMAGE_MISSING',
    `the image ${image} is not on the Docker engine and ${why} forbids pulling it: build or load it ` +
      '(docker build / docker load / flotilla images pull), or let it be pulled (pull_policy: missing)',
    { image },
  );
}
