import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FlotillaClient } from '../../src/client/client.js';
import { rawRequest } from '../helpers/daemon.js';
import { adminToken, TestHome, waitFor } from '../helpers/flotilla.js';
import { taskProcesses } from './invariants.js';

/**
 * Where a secret must never be: the Redis password (the one secret option of the catalog: `writeOnly`
 * in its schema) and every API token. A real daemon, a second tenant with an admin and a viewer, a
 * Redis service with a password and an app given its URL; then every log, event, API answer to the
 * viewer, process command line and error message is read for them, and the database for the tokens.
 */
const PASSWORD = `pw-${Math.random().toString(36).slice(2)}-Zq9`;
const TENANT = 'acme';
const STACK = `
name: shop
services:
  cache:
    package: redis
    options: { replicas: 1, password: ${PASSWORD}, maxmemory: 16mb, cpus: 0.1, mem: 64 }
apps:
  worker:
    args: [sleep, "3600"]
    cpus: 0.05
    mem: 16
    env:
      REDIS_URL: \${cache.url}
`;

/** Each secret as it could appear: as given, and as it goes in a URL. */
function forms(secret: string): string[] {
  return [...new Set([secret, encodeURIComponent(secret)])];
}

describe('secrets appear nowhere they should not', () => {
  const home = new TestHome();
  const secrets = new Map<string, string>();
  const errors: string[] = [];
  let viewer = '';
  let owner: FlotillaClient;

  /** The places `text` names a secret in, as "what (where)". */
  const leaks = (where: string, text: string): string[] =>
    [...secrets].flatMap(([what, secret]) =>
      forms(secret).some((f) => text.includes(f)) ? [`${what} in ${where}`] : [],
    );

  before(async () => {
    await home.ok(['ps']);
    const address = home.daemonInfo()!.address;
    secrets.set('the cluster admin token', adminToken(home.home));
    secrets.set('the Redis password', PASSWORD);
    const admin = home.client();
    await admin.createTenant({ name: TENANT });
    const asTenant = new FlotillaClient(address, { token: adminToken(home.home), tenant: TENANT });
    const ownerToken = (await asTenant.createToken('tenant-admin', 'owner')).token;
    viewer = (await asTenant.createToken('tenant-viewer', 'viewer')).token;
    secrets.set("the tenant admin's token", ownerToken);
    secrets.set("the tenant viewer's token", viewer);
    owner = new FlotillaClient(address, { token: ownerToken });
    await owner.applyStack('shop', STACK);
    await waitFor(
      async () => (await owner.getStack('shop')).status === 'ready',
      60_000,
      'the stack to be ready',
    );

    // Errors about input that holds the password: a wrong type beside it, a reference to nothing.
    const refused = [
      owner.installService({ package: 'redis', name: 'bad', options: { password: PASSWORD, replicas: 'x' } }),
      owner.installService({ package: 'redis', name: 'bad', options: { password: PASSWORD, nosuch: 1 } }),
      owner.applyStack('shop', STACK.replace('maxmemory: 16mb', 'maxmemory: lots')),
      owner.applyStack('other', STACK.replace('${cache.url}', '${nosuch.url}')),
    ];
    for (const r of await Promise.allSettled(refused)) {
      assert.equal(r.status, 'rejected', 'bad input is refused');
      errors.push(String((r as PromiseRejectedResult).reason));
    }
    // A token with a wrong secret, and one of another tenant's viewer used for a write.
    for (const [method, url, token] of [
      ['GET', '/v1/tasks', `${ownerToken.slice(0, -4)}AAAA`],
      ['POST', '/v1/stacks/shop', viewer],
    ] as const) {
      const r = await rawRequest(new URL(url, address), method, '{"source":"name: x"}', token);
      errors.push(r.body);
    }
    const cli = await home.cli(['up', '-f', path.join(home.home, 'missing.yml'), '--tenant', TENANT]);
    errors.push(cli.stderr);
  });
  after(async () => {
    assert.equal(await home.cleanup(), 0);
  });

  it('in no error message', () => {
    assert.ok(errors.length >= 6);
    assert.deepEqual(
      errors.flatMap((e, i) => leaks(`error ${i + 1}: ${e.slice(0, 200)}`, e)),
      [],
    );
  });

  it('in no API answer to a tenant viewer, but the endpoints it asks for', async () => {
    const address = home.daemonInfo()!.address;
    const tasks = await owner.listTasks();
    const values: Record<string, string[]> = {
      name: ['cache', 'worker'],
      id: [...tasks.map((t) => t.id), 'worker'],
      tenant: [TENANT],
      plan: ['deploy'],
    };
    const doc = JSON.parse((await rawRequest(new URL('/v1/openapi.json', address), 'GET')).body) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const found: string[] = [];
    let answered = 0;
    for (const [route, ops] of Object.entries(doc.paths)) {
      if (!ops.get || route === '/v1/events' || route === '/v1/services/{name}/endpoints') continue;
      for (const url of expand(route, values)) {
        const r = await rawRequest(new URL(url, address), 'GET', undefined, viewer);
        answered++;
        found.push(...leaks(`GET ${url} (${r.status})`, r.body));
      }
    }
    assert.ok(answered > 30, `${answered} answers`);
    assert.deepEqual(found, []);
    // The one answer that is the secret: the connection string its tenant asks for.
    const endpoints = await rawRequest(
      new URL('/v1/services/cache/endpoints', address),
      'GET',
      undefined,
      viewer,
    );
    assert.ok(
      endpoints.body.includes(encodeURIComponent(PASSWORD)),
      'the endpoints give the connection string',
    );
  });

  it('in no event, for the tenant or the cluster admin', async () => {
    const address = home.daemonInfo()!.address;
    for (const [who, token, tenant] of [
      ['viewer', viewer, undefined],
      ['cluster admin', adminToken(home.home), TENANT],
    ] as const) {
      const text = await readEvents(new URL('/v1/events?since=0', address), token, tenant, 1_000);
      assert.match(text, /task_state/, `the ${who} sees events`);
      assert.deepEqual(leaks(`the events the ${who} reads`, text), []);
    }
  });

  it("in no daemon log and no task log the daemon writes, and no process's command line", () => {
    const found: string[] = [];
    const logs = [
      ...files(path.join(home.home, 'logs')),
      ...files(path.join(home.home, 'sandboxes')).filter((f) => f.includes(`${path.sep}logs${path.sep}`)),
    ];
    assert.ok(logs.length >= 5, `${logs.length} logs`);
    for (const f of logs) found.push(...leaks(f, fs.readFileSync(f, 'latin1')));
    const procs = taskProcesses(home.home);
    assert.equal(procs.length, 3, 'the primary, the replica and the worker run');
    const daemon = home.daemonInfo()!.pid;
    for (const { pid, cmdline } of [...procs, { pid: daemon, cmdline: readCmdline(daemon) }])
      found.push(...leaks(`the command line of ${pid} (${cmdline.slice(0, 80)})`, cmdline));
    assert.deepEqual(found, []);
  });

  it('tokens are stored hashed: no raw token in the database files', () => {
    const state = path.join(home.home, 'state');
    const db = fs.readdirSync(state).map((f) => path.join(state, f));
    assert.ok(db.some((f) => f.endsWith('.db')));
    const found: string[] = [];
    for (const f of db) {
      const bytes = fs.readFileSync(f).toString('latin1');
      for (const [what, token] of secrets) {
        if (!what.includes('token')) continue;
        // flt_<id>_<secret>: the secret is base64url and may hold "_" itself; cut at its own last
        // "_", a few letters long, it matched the WAL's bytes by chance.
        const secretPart = token.split('_').slice(2).join('_');
        if (bytes.includes(token) || bytes.includes(secretPart)) found.push(`${what} in ${f}`);
      }
    }
    assert.deepEqual(found, []);
  });
});

/** A route with each of its parameters replaced by every value known for it. */
function expand(route: string, values: Record<string, string[]>): string[] {
  const param = /\{(\w+)\}/.exec(route);
  if (!param) return [route];
  return (values[param[1]!] ?? ['x']).flatMap((v) => expand(route.replace(param[0], v), values));
}

function readEvents(url: URL, token: string, tenant: string | undefined, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const headers = { authorization: `Bearer ${token}`, ...(tenant ? { 'flotilla-tenant': tenant } : {}) };
    const req = http.get(url, { headers }, (res) => {
      res.on('data', (c: Buffer) => (text += c.toString()));
    });
    req.on('error', (err) => (text ? undefined : reject(err)));
    setTimeout(() => {
      req.destroy();
      resolve(text);
    }, ms);
  });
}

function files(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .flatMap((e) => (e.isFile() ? [path.join(e.parentPath, e.name)] : []));
}

function readCmdline(pid: number): string {
  return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
}
