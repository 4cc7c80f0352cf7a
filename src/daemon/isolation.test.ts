import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { isFlotillaError } from '../core/errors.js';
import { pathsFor } from '../core/paths.js';
import { createStore } from '../state/store.js';
import { TenantIsolation } from './isolation.js';

describe('a daemon that is not root', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-isolation-'));
  const paths = pathsFor(home);
  const store = createStore(paths.db);
  store.tenants.create({ name: 'default', weight: 1, quota: null }, 0);
  after(() => {
    store.close();
    fs.rmSync(home, { recursive: true, force: true });
  });
  const make = (setting: 'auto' | 'users' | 'none') =>
    new TenantIsolation(
      setting,
      paths,
      store,
      () => null,
      () => undefined,
      { root: false },
    );
  const code = (fn: () => unknown) => {
    try {
      fn();
      return 'ok';
    } catch (err) {
      return isFlotillaError(err) ? err.code : String(err);
    }
  };

  it('runs every task as its own user, and refuses a second tenant that could read the first', () => {
    const iso = make('auto');
    assert.equal(iso.view.mode, 'none');
    assert.match(iso.view.reason, /not root/);
    assert.equal(
      code(() => iso.checkNewTenant()),
      'ISOLATION_UNAVAILABLE',
    );
    assert.match(iso.checks()[0]!.detail, /^WARNING: none/);
  });

  it('takes more tenants when the operator says so (FLOTILLA_ISOLATION=none), and shows it', () => {
    const iso = make('none');
    assert.equal(
      code(() => iso.checkNewTenant()),
      'ok',
    );
    assert.match(iso.view.reason, /FLOTILLA_ISOLATION=none/);
  });

  it('cannot be asked for users', () => {
    assert.equal(
      code(() => make('users')),
      'ISOLATION_UNAVAILABLE',
    );
  });
});
