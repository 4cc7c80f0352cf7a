import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FlotillaError } from '../../core/errors.js';
import { virtualNodes } from '../../core/node.js';
import { pathsFor } from '../../core/paths.js';
import { readYaml } from '../../core/yaml-text.js';
import { isComposeFile } from '../../core/compose-format.js';
import { parseComposeDocument, type ComposeOptions } from '../../specs/compose.js';
import { parseStackDocument } from '../../specs/stack.js';
import { createStore, type Store } from '../../state/store.js';
import { commitPlan } from '../commit.js';
import { summary } from '../diff.js';
import type { DeployHost } from '../host.js';
import { planDeploy, type DeployContext, type DeployPlan } from '../plan.js';
import { PortAllocator } from '../ports.js';

/**
 * A host with every program and JVM present and every port free, but the ones a test takes
 * (`host:port`, or `*:port` for every address).
 */
export function fakeHost(
  taken: Set<string> = new Set(),
  docker: FakeDocker = { engine: true, images: null },
): DeployHost {
  return {
    canBind: async (host, port) => !taken.has(`${host}:${port}`) && !taken.has(`*:${port}`),
    java: () => '/opt/fake/java',
    binary: (name) => `/opt/fake/bin/${name}`,
    image: (pkg) => `flotilla/${pkg.name}:test`,
    checkContainer: async (c) => {
      if (!docker.engine) throw new FlotillaError('DOCKER_UNAVAILABLE', 'no Docker engine answers (fake)');
      if (docker.images && !c.build && !c.image.startsWith('flotilla/') && !docker.images.has(c.image))
        throw new FlotillaError('IMAGE_MISSING', `the image ${c.image} is not on the Docker engine (fake)`);
    },
  };
}

/** The fake engine: whether it answers, and the images it has (null: every image). */
export interface FakeDocker {
  engine: boolean;
  images: Set<string> | null;
}

/**
 * Planning and committing against a real store in a temporary home, on a fake host: no daemon, no
 * process, no port bound. `close()` removes the home.
 */
export class DeployHarness {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-deploy-'));
  readonly taken = new Set<string>();
  /** What the fake Docker engine has: tests change it. */
  readonly docker: FakeDocker = { engine: true, images: null };
  readonly store: Store;
  ctx: DeployContext;
  private clock = 0;

  constructor(nodes = 3) {
    const paths = pathsFor(this.dir);
    this.store = createStore(paths.db);
    const host = fakeHost(this.taken, this.docker);
    this.ctx = {
      store: this.store,
      paths,
      host,
      ports: new PortAllocator([41000, 41999], host.canBind),
      nodes: virtualNodes(nodes, { cpus: 2, mem: 4096, disk: 10240, ports: 1000, labels: {} }),
    };
  }

  /** The plan of applying a stack or Compose file, as `up --dry-run` computes it. */
  plan(source: string, tenant = 'default', compose: ComposeOptions = {}): Promise<DeployPlan> {
    const data = readYaml(source, { what: 'the file', code: 'STACK_INVALID' });
    const spec = isComposeFile(data)
      ? parseComposeDocument(data, { name: 'compose', ...compose })
      : parseStackDocument(data, undefined, compose.variables);
    return planDeploy(this.ctx, {
      tenant,
      stack: spec.name,
      source,
      declarations: spec.declarations,
      prune: true,
      createOnly: false,
    });
  }

  /** Plans and commits a stack file, as `up` does; returns the summary and the tasks touched. */
  async apply(source: string, tenant = 'default') {
    const plan = await this.plan(source, tenant);
    const touched = commitPlan(this.store, plan, ++this.clock);
    return { ...summary(plan.diff), waiting: plan.waiting, touched, plan };
  }

  /** Every row of every table the deployer writes: equal snapshots mean nothing was written. */
  snapshot(): string {
    const tables = ['stacks', 'services', 'apps', 'tasks', 'queue', 'usage_intervals'];
    return JSON.stringify(tables.map((t) => this.store.db.prepare(`SELECT * FROM ${t}`).all()));
  }

  close(): void {
    this.store.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
