import fs from 'node:fs';
import type { LockedArtifact } from '../core/artifact.js';
import type { TaskUser } from '../core/identity.js';
import type { ContainerSpec, LaunchSpec, RuntimeRef } from '../core/task.js';
import { writeFiles } from './sandbox.js';

/**
 * Brings a task's pinned JVM artifacts into the verified cache, and installs the runtime it runs
 * from (a PySpark venv), before it may launch.
 */
export interface ArtifactPreparer {
  ensure(artifacts: LockedArtifact[]): Promise<string[]>;
  prepare?(runtime: RuntimeRef): Promise<void>;
}

/** Makes a container task's image present (builds a catalog image or a Compose `build:`) before launch. */
export interface ImagePreparer {
  prepare(container: ContainerSpec): Promise<void>;
}

/** What a pre-start hook works with: the task's spec, its folders, and what the daemon can prepare. */
export interface PrestartContext {
  spec: LaunchSpec;
  sandbox: string;
  /** The tenant's data folder, shared by all its tasks (and its Spark jobs) at the same path. */
  dataDir: string;
  artifacts: ArtifactPreparer | undefined;
  images: ImagePreparer | undefined;
  /** The tenant's user the task runs as, when tenants are isolated: its files are made its own. */
  user?: TaskUser | undefined;
  /** Resolves when the firewall rules that keep the task's ports its tenant's are in force. */
  fenced?: (() => Promise<void>) | undefined;
}

/** One step between "this task should run" and the driver's startTask (Nomad's taskrunner hooks). */
export interface PrestartHook {
  readonly name: string;
  /** Whether the task needs this step at all. */
  applies(spec: LaunchSpec): boolean;
  /** Throws when this daemon cannot do the step, before the task shows it. */
  check?(ctx: PrestartContext): void;
  /** What the task shows (state staging) while the step runs; unset: a quick step that shows nothing. */
  staging?(spec: LaunchSpec): string;
  run(ctx: PrestartContext): Promise<void> | void;
}

const artifacts: PrestartHook = {
  name: 'artifacts',
  applies: (spec) => (spec.artifacts?.length ?? 0) > 0,
  check: (ctx) => {
    if (!ctx.artifacts) throw new Error('this daemon has no artifact resolver');
  },
  staging: (spec) => `fetching ${spec.artifacts?.length ?? 0} artifacts`,
  run: async (ctx) => {
    await ctx.artifacts?.ensure(ctx.spec.artifacts ?? []);
  },
};

const runtime: PrestartHook = {
  name: 'runtime',
  applies: (spec) => spec.runtime !== undefined,
  check: (ctx) => {
    if (!ctx.artifacts?.prepare) throw new Error('this daemon cannot prepare runtimes');
  },
  staging: (spec) => `preparing the ${spec.runtime?.kind} ${spec.runtime?.version} runtime`,
  run: async (ctx) => {
    if (ctx.spec.runtime) await ctx.artifacts?.prepare?.(ctx.spec.runtime);
  },
};

const image: PrestartHook = {
  name: 'image',
  applies: (spec) => spec.container !== undefined,
  check: (ctx) => {
    if (!ctx.images) throw new Error('this daemon has no Docker driver');
  },
  staging: (spec) => `preparing the image ${spec.container?.image}`,
  run: async (ctx) => {
    if (ctx.spec.container) await ctx.images?.prepare(ctx.spec.container);
  },
};

const sandboxFiles: PrestartHook = {
  name: 'sandbox files',
  applies: () => true,
  run: (ctx) => writeFiles(ctx.sandbox, ctx.spec.files, ctx.user),
};

const dataDir: PrestartHook = {
  name: 'data dir',
  applies: () => true,
  run: (ctx) => {
    fs.mkdirSync(ctx.dataDir, { recursive: true });
  },
};

/** Tenants' isolation: the rules for the ports this task holds are written before it may listen. */
const firewall: PrestartHook = {
  name: 'firewall',
  applies: () => true,
  run: (ctx) => ctx.fenced?.(),
};

/** Every step a task goes through before it starts, in the order they run. */
export const PRESTART_HOOKS: readonly PrestartHook[] = [
  artifacts,
  runtime,
  image,
  sandboxFiles,
  dataDir,
  firewall,
];

/**
 * Runs the hooks in order, showing each one's staging message. Returns false when `stopped` became
 * true meanwhile (the daemon is closing: the task must not launch); throws what a hook threw.
 */
export async function runPrestart(
  ctx: PrestartContext,
  show: (message: string) => void,
  stopped: () => boolean,
  hooks: readonly PrestartHook[] = PRESTART_HOOKS,
): Promise<boolean> {
  for (const hook of hooks) {
    if (!hook.applies(ctx.spec)) continue;
    hook.check?.(ctx);
    if (hook.staging) show(hook.staging(ctx.spec));
    const running = hook.run(ctx);
    // A quick (synchronous) step is not awaited, so it cannot let a closing daemon in between.
    if (running) {
      await running;
      if (stopped()) return false;
    }
  }
  return true;
}
