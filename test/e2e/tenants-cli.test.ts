import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { TestHome } from '../helpers/flotilla.js';

/** The CLI of a platform team: tenants with quotas, tokens, login, and "why waiting". */
describe('tenants from the CLI', () => {
  const home = new TestHome();
  after(async () => {
    assert.equal(await home.cleanup(), 0);
  });

  it('creates a tenant, mints its token, logs in with it (0600) and explains a waiting app', async () => {
    await home.ok(['tenant', 'create', 'acme', '--quota', 'cpus=1,mem=512', '--weight', '2']);
    const token = (
      await home.ok(['token', 'create', '--tenant', 'acme', '--role', 'tenant-admin', '--name', 'ci'])
    ).trim();
    assert.match(token, /^flt_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);

    const login = await home.ok(['login', '--token', token]);
    assert.match(login, /as tenant-admin of tenant acme/);
    const file = path.join(home.home, 'config', 'flotilla', 'credentials.json');
    assert.equal((fs.statSync(file).mode & 0o777).toString(8), '600');
    const me = JSON.parse(await home.ok(['whoami', '--json'])) as { tenant: string; role: string };
    assert.deepEqual([me.tenant, me.role], ['acme', 'tenant-admin']);

    const app = path.join(home.home, 'big.json');
    fs.writeFileSync(
      app,
      JSON.stringify({ id: 'big', cmd: 'exec sleep 600', instances: 2, cpus: 0.75, mem: 16 }),
    );
    const added = await home.ok(['app', 'add', app]);
    assert.match(added, /waiting\s+big \(quota\)/);
    const why = await home.ok(['task', 'why', 'big.1']);
    assert.match(why, /quota/);
    assert.match(await home.ok(['queue']), /big\s+app/);

    // The tenant admin may not raise its own quota; the cluster admin may, and the app starts.
    const denied = await home.cli(['tenant', 'set', 'acme', '--quota', 'cpus=2']);
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /PERMISSION_DENIED/);
    await home.ok(['logout']);
    await home.ok(['tenant', 'set', 'acme', '--quota', 'cpus=2,mem=512']);
    const started = await home.ok(['ps', '--tenant', 'acme', '--json'], 30_000);
    assert.ok(Array.isArray(JSON.parse(started)));
    const deadline = Date.now() + 15_000;
    let tasks: { state: string }[] = [];
    while (Date.now() < deadline) {
      tasks = JSON.parse(await home.ok(['task', 'list', '--tenant', 'acme', '--json'])) as {
        state: string;
      }[];
      if (tasks.length === 2 && tasks.every((t) => t.state === 'running')) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    assert.deepEqual(
      tasks.map((t) => t.state),
      ['running', 'running'],
    );
    await home.ok(['app', 'remove', 'acme/big']);
  });
});
