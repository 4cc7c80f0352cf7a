import type { DoctorCheck } from '../daemon/doctor.js';
import type { Registry } from 'prom-client';
import type { Paths } from '../core/paths.js';
import type { ConsoleViews } from '../daemon/console-views.js';
import type { ControlPlane } from '../daemon/control-plane.js';
import type { ServicePlans } from '../daemon/plans.js';
import type { Shares } from '../daemon/shares.js';
import type { Tenants } from '../daemon/tenants.js';
import type { Engine } from '../drivers/docker/engine.js';
import type { TerminalSession, TerminalSize } from '../drivers/terminal.js';
import type { Jobs } from '../jobs/jobs.js';
import type { DataFolders } from '../daemon/data-folders.js';
import type { Store } from '../state/store.js';
import type { EventBus } from '../reconciler/events.js';
import type { FaultEngine } from '../faults/engine.js';

/** What the routes need from the daemon. */
export interface ApiDeps {
  control: ControlPlane;
  tenants: Tenants;
  /** Services shared between tenants. */
  shares: Shares;
  /** The console's list views: services and apps paged, nodes. */
  views: ConsoleViews;
  plans: ServicePlans;
  /** Jobs submitted to services (Spark applications). */
  jobs: Jobs;
  /** Tenants' data folders: size, listing, uploads. */
  data: DataFolders;
  /** The failure lab's faults. */
  faults: FaultEngine;
  /** Tokens are checked against it; routes go through `control` and `tenants`. */
  store: Store;
  /** False only with FLOTILLA_AUTH=off (loopback): every caller is then the default cluster admin. */
  auth: boolean;
  events: EventBus;
  metrics: Registry;
  paths: Paths;
  version: string;
  startedAt: number;
  log: (msg: string) => void;
  /**
   * The Docker engine the daemon shares (created on first use); unset: the image routes and the
   * doctor make one per request from DOCKER_HOST.
   */
  engine?: () => Engine;
  /** Opens a shell on a PTY in a task ("tenant/id" key); unset: the terminal routes refuse. */
  openTerminal?: (taskKey: string, size: TerminalSize) => Promise<TerminalSession>;
  /** Asks the daemon to stop (tasks keep running unless `stopTasks`). */
  shutdown: (stopTasks: boolean) => void;
  /** How tenants are kept apart here, checked (`flotilla doctor --security`). */
  security?: () => DoctorCheck[];
}

/**
 * The deps of a server that serves only some routes (a route's test, a bench) or none (the OpenAPI
 * document): what is not given is never reached, so it is left out.
 */
export function someDeps(given: Partial<ApiDeps>): ApiDeps {
  return {
    auth: true,
    version: 'test',
    startedAt: 0,
    log: () => undefined,
    shutdown: () => undefined,
    ...given,
  } as ApiDeps;
}
