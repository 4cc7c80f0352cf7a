import type { RuntimeRef } from '../core/task.js';
import { ensureSparkRuntime } from './spark/runtime.js';

/** Installs (once, idempotently) a runtime a package's tasks run from, under the artifact cache. */
export async function ensureRuntime(artifactsDir: string, runtime: RuntimeRef): Promise<void> {
  switch (runtime.kind) {
    case 'pyspark':
      await ensureSparkRuntime(artifactsDir, runtime.version);
      return;
  }
}
