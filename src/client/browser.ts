import { fetchWire } from './fetch-wire.js';
import { OperationCalls } from './operations.js';
import type { ClientOptions } from './transport.js';

export type { ClientOptions } from './transport.js';

/**
 * The typed client over the browser's fetch: the web console's only door to the daemon, with every
 * call the CLI's FlotillaClient has (same class chain, another wire). Nothing here imports node.
 */
export class WebClient extends OperationCalls {
  constructor(address: string, options: ClientOptions = {}) {
    super(address, options, fetchWire);
  }
}
