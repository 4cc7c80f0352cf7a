import assert from 'node:assert/strict';
import dns from 'node:dns';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FlotillaClient, type FlotillaEvent } from '../src/client/client.js';
import { FlotillaError } from '../src/core/errors.js';
import type { RunningDaemon } from '../src/daemon/daemon.js';
import { startInProcessDaemon, type InProcessDaemon } from './helpers/daemon.js';
import { adminToken, waitFor } from './helpers/flotilla.js';

/**
 * Tenants A and B on one daemon: with A's token nothing of B's can be seen or touched, through any
 * route of the API (taken from the OpenAPI document, so a new route is covered the day it lands),
 * the event stream, task logs or DNS.
 */
describe('tenants and tokens', () => {
  let home: string;
  let daemon: RunningDaemon;
  let running: InProcessDaemon;
  let admin: FlotillaClient;
  let a: FlotillaClient;
  let b: FlotillaClient;
  let bViewer: FlotillaClient;
  let tokens: { a: string; b: string; bViewer: string; bId: string };

  before(async () => {
    running = await startInProcessDaemon('tenants', 32000);
    ({ home, daemon, admin } = running);
    await admin.createTenant({ name: 'tenant-a' });
    await admin.createTenant({ name: 'tenant-b' });
    const mint = (tenant: string, role: 'tenant-admin' | 'tenant-viewer') =>
      new FlotillaClient(daemon.info.address, { token: adminToken(home), tenant }).createToken(role, 'test');
    const ta = await mint('tenant-a', 'tenant-admin');
    const tb = await mint('tenant-b', 'tenant-admin');
    const tv = await mint('tenant-b', 'tenant-viewer');
    tokens = { a: ta.token, b: tb.token, bViewer: tv.token, bId: tb.id };
    a = new FlotillaClient(daemon.info.address, { token: ta.token });
    b = new FlotillaClient(daemon.info.address, { token: tb.token });
    bViewer = new FlotillaClient(daemon.info.address, { token: tv.token });

    await b.applyStack(
      'bstack',
      'name: bstack\napps:\n  secret:\n    cmd: echo b-secret-output; exec sleep 600\n    cpus: 0.1\n    mem: 16\n',
    );
    await waitFor(async () => (await b.listTasks())[0]?.state === 'running', 10_000);
    await waitFor(async () => (await b.logs('secret.0')).includes('b-secret-output'), 5_000);
  });
  after(() => running.stop());

  const raw = (method: string, url: string, body?: string, token?: string) =>
    running.raw(method, url, body, token);

  /** A value for each path parameter, naming something of tenant B. */
  const bValues = (): Record<string, string> => ({
    name: 'secret',
    id: 'secret.0',
    tenant: 'tenant-b',
    token: tokens.bId,
  });

  async function routes(): Promise<{ method: string; url: string }[]> {
    const doc = JSON.parse((await raw('GET', '/v1/openapi.json')).body) as {
      paths: Record<string, Record<string, unknown>>;
    };
    return Object.entries(doc.paths).flatMap(([url, methods]) =>
      Object.keys(methods).map((m) => ({ method: m.toUpperCase(), url })),
    );
  }

  it("refuses tenant A's token on every route that names B's resources, with 404 (or 403)", async () => {
    const all = await routes();
    assert.ok(all.length >= 30, `the OpenAPI document lists ${all.length} routes`);
    let checked = 0;
    for (const { method, url } of all) {
      if (!url.includes('{')) continue;
      for (const qualify of [false, true]) {
        const values = bValues();
        const concrete = url.replace(/\{(\w+)\}/g, (_, p: string) =>
          encodeURIComponent(qualify && (p === 'name' || p === 'id') ? `tenant-b/${values[p]}` : values[p]!),
        );
        const res = await raw(
          method,
          concrete,
          method === 'GET' || method === 'DELETE' ? undefined : '{}',
          tokens.a,
        );
        // 404: B's things do not exist for A; 403: a route for cluster admins only; 400: a body A
        // could not even send (the route is refused before it looks anything up).
        assert.ok(
          [404, 403, 400].includes(res.status),
          `${method} ${concrete} with A's token answered ${res.status}: ${res.body.slice(0, 200)}`,
        );
        assert.ok(!res.body.includes('b-secret-output'), `${method} ${concrete} leaked B's log`);
        checked++;
      }
    }
    assert.ok(checked >= 20);
    // B's app survived all of it.
    assert.equal((await b.listTasks())[0]?.state, 'running');
  });

  it("lists nothing of B's for A, and A's tokens cannot reach B's names", async () => {
    assert.deepEqual(await a.listTasks(), []);
    assert.deepEqual(await a.listApps(), []);
    assert.deepEqual(await a.listStacks(), []);
    assert.deepEqual(await a.listServices(), []);
    const rejects = (p: Promise<unknown>, code: string) =>
      assert.rejects(p, (err: FlotillaError) => err instanceof FlotillaError && err.code === code);
    await rejects(a.getApp('secret'), 'APP_NOT_FOUND');
    await rejects(a.getApp('tenant-b/secret'), 'TENANT_NOT_FOUND');
    await rejects(a.logs('tenant-b/secret.0'), 'TENANT_NOT_FOUND');
    await rejects(
      new FlotillaClient(daemon.info.address, { token: tokens.a, tenant: 'tenant-b' }).listTasks(),
      'TENANT_NOT_FOUND',
    );
    await rejects(a.listTenants(), 'PERMISSION_DENIED');
    // The cluster admin sees B's app by its qualified name.
    assert.equal((await admin.getApp('tenant-b/secret')).tasksRunning, 1);
  });

  it("keeps B's events out of A's stream", async () => {
    const seenByA: FlotillaEvent[] = [];
    const seenByB: FlotillaEvent[] = [];
    const stop = new AbortController();
    const streams = [
      a.events((e) => seenByA.push(e), stop.signal, 0),
      b.events((e) => seenByB.push(e), stop.signal, 0),
    ];
    await waitFor(() => seenByB.some((e) => e.data.task === 'secret.0'), 5_000);
    stop.abort();
    await Promise.all(streams);
    assert.deepEqual(
      seenByA.filter((e) => JSON.stringify(e).includes('secret')),
      [],
    );
  });

  it("answers B's DNS names on B's server only", async () => {
    const bDns = (await b.getTenant('tenant-b')).dns!;
    const aDns = (await a.getTenant('tenant-a')).dns!;
    assert.notEqual(bDns, aDns);
    const resolve = (server: string, name: string) => {
      const r = new dns.promises.Resolver({ timeout: 2000, tries: 1 });
      r.setServers([server]);
      return r.resolve4(name);
    };
    const name = '0.secret.tenant-b.flotilla';
    const [task] = await b.listTasks();
    assert.deepEqual(await resolve(bDns, name), [task!.host]);
    await assert.rejects(resolve(aDns, name), /ENOTFOUND/);
    await assert.rejects(resolve(daemon.info.dns!, name), /ENOTFOUND/);
  });

  it('lets a viewer read but change nothing', async () => {
    assert.equal((await bViewer.listTasks()).length, 1);
    const writes = (await routes()).filter((r) => r.method !== 'GET' && !r.url.startsWith('/v1/tenants'));
    for (const { method, url } of writes) {
      const concrete = url.replace(/\{(\w+)\}/g, (_, p: string) => encodeURIComponent(bValues()[p]!));
      const res = await raw(method, concrete, method === 'DELETE' ? undefined : '{}', tokens.bViewer);
      assert.equal(res.status, 403, `${method} ${concrete} with a viewer token answered ${res.status}`);
      assert.equal(JSON.parse(res.body).code, 'PERMISSION_DENIED');
    }
    assert.equal((await b.listTasks())[0]?.state, 'running');
  });

  it('refuses a missing, tampered or revoked token, and stores only hashes', async () => {
    assert.equal((await raw('GET', '/v1/tasks', undefined, undefined)).status, 401);
    const last = tokens.b.at(-1) === 'A' ? 'B' : 'A';
    const tampered = await raw('GET', '/v1/tasks', undefined, tokens.b.slice(0, -1) + last);
    assert.equal(tampered.status, 401);
    assert.equal(JSON.parse(tampered.body).code, 'UNAUTHENTICATED');

    const spare = await b.createToken('tenant-viewer', 'to revoke');
    const spareClient = new FlotillaClient(daemon.info.address, { token: spare.token });
    assert.equal((await spareClient.whoami()).tenant, 'tenant-b');
    await b.revokeToken(spare.id);
    assert.equal((await raw('GET', '/v1/tasks', undefined, spare.token)).status, 401);

    const db = fs.readFileSync(path.join(home, 'state', 'flotilla.db'));
    const wal = fs.existsSync(path.join(home, 'state', 'flotilla.db-wal'))
      ? fs.readFileSync(path.join(home, 'state', 'flotilla.db-wal'))
      : Buffer.alloc(0);
    for (const t of [tokens.a, tokens.b, spare.token]) {
      const secret = t.slice('flt_'.length + 16 + 1);
      assert.equal(secret.length, 43);
      assert.ok(!db.includes(secret) && !wal.includes(secret), 'a token secret is stored in clear');
    }
    assert.equal((fs.statSync(path.join(home, 'admin.token')).mode & 0o777).toString(8), '600');
  });
});
