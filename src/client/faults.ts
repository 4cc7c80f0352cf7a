import type { Static } from '@sinclair/typebox';
import type { FaultRequestBody, FaultView } from '../core/fault-schemas.js';
import { OperationCalls } from './operations.js';
import { enc } from './transport.js';

export type FaultViewT = Static<typeof FaultView>;

/** The failure lab: faults injected into the tenant's own tasks, listed and healed. */
export class FaultCalls extends OperationCalls {
  listFaults(): Promise<FaultViewT[]> {
    return this.request('GET', '/v1/faults');
  }
  getFault(id: string): Promise<FaultViewT> {
    return this.request('GET', `/v1/faults/${enc(id)}`);
  }
  injectFault(body: FaultRequestBody): Promise<FaultViewT> {
    return this.request('POST', '/v1/faults', body);
  }
  healFault(id: string): Promise<FaultViewT> {
    return this.request('POST', `/v1/faults/${enc(id)}/heal`, {});
  }
  healAllFaults(): Promise<FaultViewT[]> {
    return this.request('POST', '/v1/faults/heal', {});
  }
}
