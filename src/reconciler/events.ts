import { EventEmitter } from 'node:events';
import type { EventRecord, EventsStore } from '../state/store-events.js';

/** Task state changes and other happenings: persisted (for replay after reconnects) and fanned out live. */
export class EventBus {
  private readonly emitter = new EventEmitter();

  constructor(private readonly store: EventsStore) {
    this.emitter.setMaxListeners(0);
  }

  publish(
    tenant: string,
    type: string,
    subject: string,
    data: Record<string, unknown>,
    now: number,
  ): EventRecord {
    const event = this.store.append({ tenant, at: now, type, subject, data });
    this.emitter.emit('event', event);
    return event;
  }

  subscribe(listener: (e: EventRecord) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }

  since(tenant: string, seq: number): EventRecord[] {
    return this.store.since(tenant, seq);
  }
}
