import type { OwnerKind } from './task.js';

/** What one task held, and for how long: the unit of metering (src/state records it, src/metering sums it). */
export interface UsageInterval {
  tenant: string;
  ownerKind: OwnerKind;
  /** The service or app the task belongs to. */
  owner: string;
  taskId: string;
  cpus: number;
  /** MB, as in the task's spec. */
  mem: number;
  /** MB, as in the task's spec. */
  disk: number;
  /** Epoch ms. */
  start: number;
  /** Epoch ms; null while the task still holds its resources. */
  end: number | null;
}
