import { BACKOFF_DEFAULTS, type LaunchSpec } from './task.js';

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
