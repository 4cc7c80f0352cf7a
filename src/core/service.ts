import type { AppSpec } from './app.js';

/** An installed package instance, owned by a tenant. */
export interface ServiceRecord {
  tenant: string;
  name: string;
  package: string;
  version: string;
  /** Validated and defaulted options; secret options included (the API redacts them). */
  options: Record<string, unknown>;
  stack: string | null;
  dependencies: string[];
  /** Facts the package keeps for the service's life (a KRaft cluster id, say). */
  state: Record<string, string>;
  /**
   * Its package's post-ready step (Kafka's declared topics), for packages that have one: pending
   * until it has run for the current options, then done or failed. A service is ready only when done.
   */
  afterReady: AfterReadyStatus | null;
  createdAt: number;
  updatedAt: number;
}

export interface AfterReadyStatus {
  status: 'pending' | 'done' | 'failed';
  /** The last attempt's failure, while it is retried, and for good once it failed. */
  message: string | null;
}

export interface AppRecord {
  tenant: string;
  id: string;
  spec: AppSpec;
  stack: string | null;
  createdAt: number;
  updatedAt: number;
}

/**
 * How a stack's tasks take their turn to start. `auto` (the default): JVM tasks start as many at a
 * time as the machine has cores, the longest chain of dependencies first; `parallel`: every task
 * as soon as its dependencies are ready; `serial`: one task at a time, each once the one before it
 * is ready.
 */
export type StartOrder = 'auto' | 'parallel' | 'serial';
export const START_ORDERS: readonly StartOrder[] = ['auto', 'parallel', 'serial'];

export interface StackRecord {
  tenant: string;
  name: string;
  /** The stack file as the user gave it. */
  source: string;
  services: string[];
  apps: string[];
  /** The file's `startOrder`, when it says one. */
  startOrder?: StartOrder;
  createdAt: number;
  updatedAt: number;
}

/** How clients reach a service: addresses and ready-made connection strings. */
export interface Endpoint {
  name: string;
  /** "host:port" of every task that serves it. */
  addresses: string[];
  /** Ready-made connection strings, e.g. { url: "redis://..." }. */
  values: Record<string, string>;
}

export const DEFAULT_TENANT = 'default';
