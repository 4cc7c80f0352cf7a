import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { FlotillaClient } from '../src/client/client.js';
import { isFlotillaError } from '../src/core/errors.js';
import { homeIdOf } from '../src/isolation/identity.js';
import { startInProcessDaemon, type InProcessDaemon } from './helpers/daemon.js';
import { adminToken, waitFor } from './helpers/flotilla.js';

const root = process.getuid?.() === 0;

/** The code of the FlotillaError a call fails with. */
async function codeOf(call: Promise<unknown>): Promise<string> {
  const err = await call.then(
    () => null,
    (e: unknown) => e,
  );
  assert.ok(isFlotillaError(err), `a coded error, not ${String(err)}`);
  return err.code;
}

/**
 * Tenant A shares its Redis with tenant B on purpose: B's task, which the firewall keeps from A's
 * ports, then connects, and no longer once A unshares it. Only A shares what is A's.
 */
describe('services shared between tenants', { skip: !root && 'needs a root daemon' }, () => {
  let d: InProcessDaemon;
  let a: FlotillaClient;
  let b: FlotillaClient;
  let bViewer: FlotillaClient;
  let redis = '';

  before(async () => {
    d = await startInProcessDaemon('shares', 48000);
    const mint = async (tenant: string, role: 'tenant-admin' | 'tenant-viewer') => {
      const t = await new FlotillaClient(d.daemon.info.address, {
        token: adminToken(d.home),
        tenant,
      }).createToken(role, 'shares test');
      return new FlotillaClient(d.daemon.info.address, { token: t.token });
    };
    await d.admin.createTenant({ name: 'a' });
    await d.admin.createTenant({ name: 'b' });
    a = await mint('a', 'tenant-admin');
    b = await mint('b', 'tenant-admin');
    bViewer = await mint('b', 'tenant-viewer');
    await a.applyStack('a', 'name: a\nservices:\n  cache: { package: redis, options: { replicas: 0 } }\n');
    await waitFor(async () => (await a.getStack('a')).status === 'ready', 60_000, "A's Redis");
    const task = (await a.listTasks()).find((t) => t.owner === 'cache')!;
    redis = `${task.host}:${task.ports[0]}`;
    // B's task tries A's Redis every 300 ms and says what it saw.
    const [host, port] = redis.split(':');
    const probe =
      `import socket,time\nwhile True:\n  try:\n    socket.create_connection(('${host}', ${port}), timeout=2).close(); print('connected')\n` +
      `  except OSError as e:\n    print(e.strerror)\n  time.sleep(0.3)\n`;
    await b.addApp({
      id: 'probe',
      cpus: 0.1,
      mem: 64,
      cmd: `echo ${Buffer.from(probe).toString('base64')} | base64 -d | exec /usr/bin/python3 -u -`,
    });
  });
  after(async () => {
    await d.stop();
  });

  /** What B's probe saw last (after `since` lines). */
  const lastSeen = async () => (await b.logs('probe.0')).trim().split('\n').at(-1) ?? '';

  it("keeps B out of A's Redis until A shares it, and again once A unshares it", async () => {
    await waitFor(async () => (await lastSeen()) === 'Connection refused', 30_000, 'a refused connection');
    const share = await a.shareService('cache', 'b');
    assert.deepEqual(
      [share.tenant, share.service, share.with, share.addresses],
      ['a', 'cache', 'b', [redis]],
    );
    await waitFor(async () => (await lastSeen()) === 'connected', 10_000, 'a connection once shared');
    const bUid = execFileSync('id', ['-u', `flt-b-${homeIdOf(d.home)}`], { encoding: 'utf8' }).trim();
    assert.match(
      execFileSync('iptables', ['-S', `FLT-${homeIdOf(d.home)}`], { encoding: 'utf8' }),
      new RegExp(`--dports ${redis.split(':')[1]} -m owner --uid-owner ${bUid} -j RETURN`),
    );
    await a.unshareService('cache', 'b');
    await waitFor(async () => (await lastSeen()) === 'Connection refused', 10_000, 'refused again');
  });

  it('shows each side its half: what A gives, what B gets and where to connect', async () => {
    await a.shareService('cache', 'b');
    const mine = await a.listShares();
    assert.deepEqual(
      mine.given.map((s) => [s.service, s.with]),
      [['cache', 'b']],
    );
    assert.deepEqual(mine.received, []);
    const theirs = await bViewer.listShares();
    assert.deepEqual(theirs.given, []);
    assert.deepEqual(
      theirs.received.map((s) => [s.tenant, s.service, s.addresses]),
      [['a', 'cache', [redis]]],
    );
  });

  it('refuses what is not the caller to share, with a code', async () => {
    assert.equal(await codeOf(b.shareService('cache', 'a')), 'SERVICE_NOT_FOUND', "A's service, by B");
    assert.equal(await codeOf(a.shareService('nope', 'b')), 'SERVICE_NOT_FOUND');
    assert.equal(await codeOf(a.shareService('cache', 'a')), 'VALIDATION_FAILED');
    assert.equal(await codeOf(a.shareService('cache', 'nobody')), 'TENANT_NOT_FOUND');
    assert.equal(await codeOf(bViewer.unshareService('cache', 'a')), 'PERMISSION_DENIED');
    assert.equal(await codeOf(b.unshareService('cache', 'b')), 'SHARE_NOT_FOUND');
  });

  it("forgets a removed tenant's shares", async () => {
    await d.admin.createTenant({ name: 'c' });
    await a.shareService('cache', 'c');
    await d.admin.removeTenant('c');
    assert.deepEqual(
      (await a.listShares()).given.map((s) => s.with),
      ['b'],
    );
  });
});
