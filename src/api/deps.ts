import type { Registry } from 'prom-client';
import type { Paths } from '../core/paths.js';
import type { ControlPlane } from '../daemon/control-plane.js';
import type { EventBus } from '../reconciler/events.js';

/** What the routes need from the daemon. */
export interface ApiDeps {
  control: ControlPlane;
  events: EventBus;
  metrics: Registry;
  paths: Paths;
  version: string;
  startedAt: number;
  log: (msg: string) => void;
  /** Asks the daemon to stop (tasks keep running unless `stopTasks`). */
  shutdown: (stopTasks: boolean) => void;
}
