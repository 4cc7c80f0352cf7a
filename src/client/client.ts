import { FaultCalls } from './faults.js';
import { nodeWire } from './node-wire.js';
import type { ClientOptions } from './transport.js';

export type { ClientOptions } from './transport.js';
// The shapes the client's calls take and answer live in src/core, shared with the daemon's routes;
// the ones callers have long imported from here stay importable from here.
export type { PackageDescription, PackageSummary } from '../core/api-schemas.js';
export type { ArtifactFetchLine, FlotillaEvent, ImageBuildLine } from '../core/streams.js';

/**
 * The typed HTTP client of the Flotilla API: the only door the CLI (and any dashboard) uses to reach
 * the daemon. Errors come back as FlotillaError with the daemon's code.
 *
 * One class, written one group of routes a file, each group extending the one before (TypeScript has
 * no partial classes, and this keeps every call a plain method on one prototype):
 *
 *   Transport (transport.ts: HTTP, streams, coded errors)
 *     → DaemonCalls (daemon.ts: health, shutdown, doctor, artifacts, images, events)
 *     → WorkloadCalls (workloads.ts: stacks, packages, services, apps, tasks)
 *     → TenancyCalls (tenancy.ts: whoami, tenants, tokens, queue, usage)
 *     → OperationCalls (operations.ts: plans, DC/OS Cassandra routes, CQL, jobs)
 *     → FaultCalls (faults.ts: the failure lab's faults)
 *     → FlotillaClient
 */
export class FlotillaClient extends FaultCalls {
  constructor(address: string, options: ClientOptions = {}) {
    super(address, options, nodeWire);
  }
}
