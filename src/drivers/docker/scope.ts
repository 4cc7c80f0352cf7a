import type { ContainerSpec, TaskRecord } from '../../core/task.js';
import type { ContainerConfig } from '../driver.js';

/**
 * What the daemon adds to a task's ContainerSpec for the Docker driver: where its ports are
 * published (its virtual node), the network of its stack (one per tenant and stack, or per owner
 * outside a stack), the labels naming its tenant, stack and owner (beside the app's own), and the names of its volumes,
 * all prefixed by the daemon's id so that two daemons on one engine never share one.
 */
export function containerConfig(
  daemonId: string,
  t: Pick<TaskRecord, 'tenant' | 'stack' | 'owner' | 'name' | 'host'>,
  spec: ContainerSpec,
): ContainerConfig {
  const scope = t.stack ?? t.owner;
  return {
    ...spec,
    hostIp: t.host,
    network: {
      name: dockerName(`flt-${daemonId}-${t.tenant}-${scope}`),
      labels: { 'io.flotilla.tenant': t.tenant, 'io.flotilla.scope': scope },
    },
    labels: {
      // The app's own labels, never one that would pass for Flotilla's.
      ...Object.fromEntries(Object.entries(spec.labels ?? {}).filter(([k]) => !k.startsWith('io.flotilla.'))),
      'io.flotilla.tenant': t.tenant,
      'io.flotilla.owner': t.owner,
      ...(t.stack ? { 'io.flotilla.stack': t.stack } : {}),
    },
    dataVolume: dockerName(`flt-${daemonId}-${t.tenant}-${t.owner}-${t.name}-data`),
    volumePrefix: dockerName(`flt-${daemonId}-${t.tenant}-${scope}-`),
  };
}

/** Docker names: letters, digits, `_.-`. */
function dockerName(s: string): string {
  return s.replace(/[^a-zA-Z0-9_.-]/g, '-');
}
