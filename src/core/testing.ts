import { BACKOFF_DEFAULTS, type LaunchSpec, type TaskDeclaration } from './task.js';

/** A launch spec with every field at a plain default, for tests of what runs tasks. */
export function testLaunchSpec(over: Partial<LaunchSpec> = {}): LaunchSpec {
  return {
    cmd: 'true',
    env: {},
    secretEnv: [],
    files: [],
    cpus: 0.1,
    mem: 32,
    disk: 0,
    healthChecks: [],
    killGracePeriodSeconds: 1,
    backoff: BACKOFF_DEFAULTS,
    dependsOn: [],
    ...over,
  };
}

/** An app's task `owner.index` on node-1, running `sleep 600`: what tests of the task list put in a store. */
export function testTask(
  tenant: string,
  owner: string,
  index: number,
  over: Partial<TaskDeclaration> = {},
): TaskDeclaration {
  return {
    tenant,
    id: `${owner}.${index}`,
    ownerKind: 'app',
    owner,
    name: String(index),
    role: 'app',
    index,
    stack: null,
    nodeId: 'node-1',
    host: '127.0.10.1',
    ports: [31000 + index],
    spec: testLaunchSpec({ cmd: 'sleep 600', cpus: 0.1, mem: 16 }),
    specHash: 'h',
    desired: 'running',
    ...over,
  };
}
