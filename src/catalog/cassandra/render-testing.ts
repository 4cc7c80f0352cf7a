// Fixtures shared by render.test.ts and scripts.test.ts.
import path from 'node:path';
import type { LaunchSpec } from '../../core/task.js';
import type { PlacedTask, RenderContext } from '../package.js';
import { validateOptions } from '../registry.js';
import { cassandra } from './index.js';

const CLASSPATH = ['/m2/cassandra-all-5.0.9.jar', '/m2/jamm-0.4.0.jar'];

function place(options: Record<string, unknown>, root = '/sb'): PlacedTask[] {
  return cassandra.layout(options).map((slot, i) => ({
    ...slot,
    host: `127.0.10.${i + 1}`,
    bindHost: `127.0.10.${i + 1}`,
    publicHost: `127.0.10.${i + 1}`,
    ports: [9042 + i, 7000 + i, 7199 + i],
    sandbox: path.join(root, slot.name),
  }));
}

/** A ring placed on 127.0.10.<n> with sandboxes under `root`, as the deploy path would. */
export function context(
  given: Record<string, unknown>,
  root?: string,
  java = '/jdk/bin/java',
): RenderContext {
  const options = validateOptions(cassandra, given);
  const tasks = place(options, root);
  return {
    service: 'ring',
    tenant: 'acme',
    options,
    tasks,
    binaries: {},
    state: {},
    artifactsDir: '/cache',
    java,
    classpath: CLASSPATH,
  };
}

export const file = (spec: LaunchSpec | undefined, name: string) =>
  spec?.files.find((f) => f.path === name)?.content ?? '';
