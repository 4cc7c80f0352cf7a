import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PublishedPort } from '../core/container.js';
import { PortHolders } from '../core/published.js';
import { placePorts, type PortBook } from './place-ports.js';
import { PortAllocator } from './ports.js';

const tcp = (hostPort: number, hostIp?: string): PublishedPort => ({
  containerPort: 80,
  hostPort,
  protocol: 'tcp',
  ...(hostIp ? { hostIp } : {}),
});

/** A book as the store would give it: `web.0` of tenant acme publishes 8080 on 127.0.0.1. */
function book(): PortBook {
  const holders = new PortHolders();
  holders.add('127.0.0.1', 8080, { tenant: 'acme', id: 'web.0', owner: 'web' });
  holders.add('127.0.10.2', 9000, { tenant: 'other', id: 'api.0', owner: 'api' });
  return {
    // Every probe succeeds: only the book decides here.
    allocator: new PortAllocator([20000, 20099], async () => true),
    held: new Map([
      ['127.0.0.1', new Set([8080])],
      ['127.0.10.2', new Set([9000])],
    ]),
    holders,
  };
}

const request = (publish: PublishedPort[], over: { tenant?: string; host?: string } = {}) => ({
  tenant: over.tenant ?? 'acme',
  owner: 'site',
  id: 'site.0',
  host: over.host ?? '127.0.10.3',
  requested: publish.map((p) => p.hostPort),
  publish,
});

describe('ports counted where they are published', () => {
  it('refuses a fixed port published on the address another task publishes it on, naming that task', async () => {
    // The tasks sit on different virtual nodes: before, only the engine would have refused.
    await assert.rejects(
      placePorts(book(), request([tcp(8080, '127.0.0.1')])),
      (err: Error & { code?: string }) =>
        err.code === 'PORT_IN_USE' &&
        /port 8080 on 127\.0\.0\.1 is already published by web \(task web\.0\)/.test(err.message),
    );
  });

  it("says only that another tenant's task holds it, not which", async () => {
    await assert.rejects(
      placePorts(book(), request([tcp(8080, '127.0.0.1')], { tenant: 'zeta' })),
      (err: Error) => /another tenant's/.test(err.message) && !/web/.test(err.message),
    );
  });

  it('clashes with every address when published on 0.0.0.0, and the other way round', async () => {
    await assert.rejects(placePorts(book(), request([tcp(9000, '0.0.0.0')])), { code: 'PORT_IN_USE' });
    const b = book();
    b.holders.add('0.0.0.0', 7000, { tenant: 'acme', id: 'all.0', owner: 'all' });
    await assert.rejects(placePorts(b, request([tcp(7000, '127.0.0.5')])), /all \(task all\.0\)/);
  });

  it('lets the same port be published on another address, and on the task node as before', async () => {
    const b = book();
    assert.deepEqual(await placePorts(b, request([tcp(8080, '127.0.0.2'), tcp(8080)])), [8080, 8080]);
    // Both are now booked where they are held: the next owner of this plan sees them.
    assert.ok(b.held.get('127.0.0.2')?.has(8080));
    assert.ok(b.held.get('127.0.10.3')?.has(8080));
    assert.equal(b.holders.holder('127.0.0.2', 8080, { tenant: 'acme', id: 'x.0' })?.id, 'site.0');
  });

  it('keeps a task its own port where it already holds it', async () => {
    const b = book();
    const mine = {
      host: '127.0.10.9',
      ports: [8080],
      spec: { container: { publish: [tcp(8080, '127.0.0.1')] } },
    };
    const again = { ...request([tcp(8080, '127.0.0.1')]), id: 'web.0', owner: 'web', mine: mine as never };
    assert.deepEqual(await placePorts(b, again), [8080]);
  });

  it('allocates an address-only port (127.0.0.1::80) at that address', async () => {
    const b = book();
    const [port] = await placePorts(b, request([tcp(0, '127.0.0.1')]));
    assert.ok(port! >= 20000 && port! <= 20099);
    assert.ok(b.held.get('127.0.0.1')?.has(port!));
  });
});
