import type { PackageDefinition } from '../catalog/package.js';
import { getPackage } from '../catalog/registry.js';
import { FlotillaError } from '../core/errors.js';
import type { ContainerSpec } from '../core/task.js';
import type { Engine } from '../drivers/docker/engine.js';
import { buildFromContext, ensureImage, imageExists, imageFor, type ImageRef } from '../images/index.js';
import type { Store } from '../state/store.js';

/**
 * The images container tasks run from, as the daemon sees them: the catalog's runtime images (named
 * when a service is rendered, built on first use like `flotilla images build` would), a Compose
 * service's `build:` (built when its tag is missing, as `docker compose up` does), or the user's own
 * image, which must already be on the engine: nothing is ever pulled implicitly.
 */
export class TaskImages {
  private readonly catalog = new Map<string, ImageRef>();

  constructor(
    private readonly engine: () => Engine,
    private readonly store: Store,
    private readonly artifactsDir: string,
    private readonly log: (msg: string) => void,
  ) {}

  /** The catalog image of a package with these options; remembered, to be built when a task needs it. */
  nameFor(pkg: PackageDefinition, options: Record<string, unknown>): string {
    const ref = imageFor(pkg, options);
    this.catalog.set(ref.name, ref);
    return ref.name;
  }

  /**
   * At admission, before anything is stored: a container task could ever start only when an engine
   * answers and its image is there, or is one this daemon builds. Nothing is built or pulled here.
   */
  async admit(container: ContainerSpec): Promise<void> {
    const engine = this.engine();
    await engine.version();
    if (container.build || this.catalog.has(container.image) || this.fromServices(container.image)) return;
    if (!(await imageExists(engine, container.image))) throw missing(container.image);
  }

  async prepare(container: ContainerSpec): Promise<void> {
    const engine = this.engine();
    if (container.build) {
      if (await imageExists(engine, container.image)) return;
      this.log(`building ${container.image} from ${container.build.context}`);
      return buildFromContext(engine, container.build, container.image);
    }
    const ref = this.catalog.get(container.image) ?? this.fromServices(container.image);
    if (ref) {
      const { built } = await ensureImage(engine, ref, { artifactsDir: this.artifactsDir });
      if (built) this.log(`built ${ref.name}`);
      return;
    }
    if (!(await imageExists(engine, container.image))) throw missing(container.image);
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

function missing(image: string): FlotillaError {
  return new FlotillaError(
    'IMAGE_MISSING',
    `the image ${image} is not on the Docker engine, and Flotilla never pulls: build or load it (docker build / docker load) first.`,
    { image },
  );
}
