import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, beforeEach, describe, it } from 'node:test';
import { daemonInfo, resolveAddress, resolveHome } from './home.js';

/** A pid that certainly belonged to a process which has exited. */
function deadPid(): number {
  const pid = spawnSync(process.execPath, ['-e', '']).pid;
  assert.ok(pid);
  return pid;
}

describe('resolveAddress', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-cli-home-'));
  const info = path.join(home, 'daemon.json');
  const write = (pid: number, address: string) =>
    fs.writeFileSync(info, JSON.stringify({ pid, address, home, version: '0.1.0', startedAt: 0 }));
  beforeEach(() => fs.rmSync(info, { force: true }));
  after(() => fs.rmSync(home, { recursive: true, force: true }));

  it('takes FLOTILLA_ADDR first, even over a live daemon.json', () => {
    write(process.pid, 'http://127.0.0.1:5001');
    assert.deepEqual(resolveAddress(home, { FLOTILLA_ADDR: 'http://127.0.0.1:9999' }), {
      address: 'http://127.0.0.1:9999',
      source: 'FLOTILLA_ADDR',
    });
  });

  it('takes daemon.json when its pid is alive', () => {
    write(process.pid, 'http://127.0.0.1:5001');
    assert.deepEqual(resolveAddress(home, {}), { address: 'http://127.0.0.1:5001', source: 'daemon.json' });
    assert.equal(daemonInfo(home)?.pid, process.pid);
  });

  it('ignores a daemon.json left behind by a dead daemon', () => {
    write(deadPid(), 'http://127.0.0.1:5001');
    assert.equal(daemonInfo(home), null);
    assert.deepEqual(resolveAddress(home, {}), { address: 'http://127.0.0.1:4740', source: 'default' });
  });

  it('ignores an unreadable daemon.json', () => {
    fs.writeFileSync(info, '{ half');
    assert.equal(resolveAddress(home, {}).source, 'default');
  });

  it('derives the default from FLOTILLA_LISTEN; port 0 leaves no address to try', () => {
    assert.equal(
      resolveAddress(home, { FLOTILLA_LISTEN: '127.0.0.2:4800' }).address,
      'http://127.0.0.2:4800',
    );
    assert.equal(resolveAddress(home, { FLOTILLA_LISTEN: '[::1]:4800' }).address, 'http://[::1]:4800');
    assert.equal(resolveAddress(home, { FLOTILLA_LISTEN: '4801' }).address, 'http://127.0.0.1:4801');
    assert.deepEqual(resolveAddress(home, { FLOTILLA_LISTEN: '127.0.0.1:0' }), {
      address: null,
      source: 'default',
    });
  });
});

describe('resolveHome', () => {
  it('prefers --home, then FLOTILLA_HOME, then ~/.flotilla (/var/lib/flotilla for root), always absolute', () => {
    assert.equal(resolveHome('rel/dir', { FLOTILLA_HOME: '/x' }), path.resolve('rel/dir'));
    assert.equal(resolveHome(undefined, { FLOTILLA_HOME: '/x' }), '/x');
    const fallback = process.getuid?.() === 0 ? '/var/lib/flotilla' : path.join(os.homedir(), '.flotilla');
    assert.equal(resolveHome(undefined, {}), fallback);
  });
});
