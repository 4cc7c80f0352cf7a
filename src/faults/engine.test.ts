import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { FaultRecord } from '../core/fault.js';
import { createStore } from '../state/store.js';
import { FaultEngine } from './engine.js';
import { mountsOf, mountVolume, volumeFor, volumeSource } from './disk.js';
import { applyChain, chainRules, chainsWithPrefix } from './netfilter.js';
import { addShaping, shapingLeft } from './shaping.js';
import {
  BLKIO_ROOT,
  blkioDirOf,
  blockDeviceOf,
  createThrottle,
  enterThrottle,
  throttlesOf,
} from './slow-disk.js';
import { checkFaultRequest } from '../core/fault-check.js';

const root = process.getuid?.() === 0;

/** The next daemon's engine over what a killed one left: nothing to signal, restart or publish. */
function nextEngine(store: ReturnType<typeof createStore>, homeId: string): FaultEngine {
  return new FaultEngine({
    faults: store.faults,
    tasks: store.tasks,
    signal: async () => undefined,
    restart: async () => undefined,
    publish: () => undefined,
    homeId,
    log: () => undefined,
  });
}

describe('fault requests', () => {
  it('are refused by code, naming the field, when they can never work', () => {
    const field = (req: Parameters<typeof checkFaultRequest>[0]) => {
      try {
        checkFaultRequest(req);
        return null;
      } catch (err) {
        return (err as { code: string; details: { field: string } }).details.field;
      }
    };
    assert.equal(field({ kind: 'delay', from: ['a'], to: ['b'] }), 'delayMs');
    assert.equal(field({ kind: 'loss', from: ['a'], to: ['b'] }), 'probability');
    assert.equal(field({ kind: 'partition', from: ['a'], to: ['a'] }), 'to');
    assert.equal(field({ kind: 'isolate', from: ['a', 'b'] }), 'from');
    assert.equal(field({ kind: 'kill' }), 'service');
    assert.equal(field({ kind: 'pause', service: 's', durationS: -1 }), 'durationS');
    assert.equal(field({ kind: 'delay', from: ['a'], to: ['b'], delayMs: 100, jitterMs: 200 }), 'jitterMs');
    assert.equal(field({ kind: 'delay', from: ['a'], to: ['b'], delayMs: 100, jitterMs: 20 }), null);
    assert.equal(field({ kind: 'bandwidth', from: ['a'], to: ['b'] }), 'rateKbit');
    assert.equal(field({ kind: 'bandwidth', from: ['a'], to: ['b'], rateKbit: 2 }), 'rateKbit');
    assert.equal(field({ kind: 'bandwidth', from: ['a'], to: ['b'], rateKbit: 800 }), null);
    assert.equal(field({ kind: 'partition', from: ['a'], to: ['b'], rateKbit: 800 }), 'rateKbit');
    assert.equal(field({ kind: 'clock', tasks: ['a'] }), 'offsetS');
    assert.equal(field({ kind: 'clock', tasks: ['a'], offsetS: 0 }), 'offsetS');
    assert.equal(field({ kind: 'clock', tasks: ['a'], offsetS: -60 }), null);
    assert.equal(field({ kind: 'disk' }), 'service');
    assert.equal(field({ kind: 'disk', tasks: ['a'], mode: 'slow' }), 'rateKBps');
    assert.equal(field({ kind: 'disk', tasks: ['a'], mode: 'slow', rateKBps: 0 }), 'rateKBps');
    assert.equal(field({ kind: 'disk', tasks: ['a'], mode: 'slow', rateKBps: 256 }), null);
    assert.equal(field({ kind: 'disk', tasks: ['a'], rateKBps: 256 }), 'rateKBps');
    assert.equal(field({ kind: 'kill', tasks: ['a'], rateKBps: 256 }), 'rateKBps');
    const leaderOf = { topic: 'orders', partition: 0 };
    assert.equal(field({ kind: 'kill', service: 's', leaderOf }), 'leaderOf');
    assert.equal(field({ kind: 'kill', service: 's', pick: 'leader', leaderOf }), null);
    assert.equal(field({ kind: 'isolate', fromNodes: ['node-1', 'node-2'] }), 'fromNodes');
    assert.equal(field({ kind: 'partition', fromNodes: ['node-1'] }), 'toNodes');
    assert.equal(field({ kind: 'delay', fromNodes: ['node-1'], toNodes: ['node-2'], delayMs: 5 }), null);
    assert.equal(field({ kind: 'delay', fromNodes: ['node-1'], toNodes: ['node-2'] }), 'delayMs');
    assert.equal(
      field({ kind: 'bandwidth', fromNodes: ['node-1'], toNodes: ['node-2'], rateKbit: 800 }),
      null,
    );
    assert.equal(field({ kind: 'kill', fromNodes: ['node-1'] }), 'service');
    assert.equal(field({ kind: 'partition', fromNodes: ['node-1'], toNodes: ['node-2'] }), null);
    // A network fault's first side picked from a service; the rest of it is the other side.
    assert.equal(field({ kind: 'isolate', service: 's' }), null);
    assert.equal(field({ kind: 'partition', service: 's', pick: 'majority' }), null);
    assert.equal(field({ kind: 'delay', service: 's', delayMs: 50 }), null);
    assert.equal(field({ kind: 'partition', service: 's', pick: 'all' }), 'pick');
    assert.equal(field({ kind: 'isolate', service: 's', pick: 'majority' }), 'pick');
    assert.equal(field({ kind: 'partition', service: 's', to: ['b'] }), 'to');
    assert.equal(field({ kind: 'partition', service: 's', tasks: ['a'] }), 'tasks');
    assert.equal(field({ kind: 'isolate', service: 's', from: ['a'] }), 'service');
    assert.equal(field({ kind: 'partition', to: ['b'] }), 'from');
  });
});

describe('a daemon killed mid-fault', { skip: !root && 'needs root (iptables)' }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-faults-'));
  const homeId = `t${process.pid.toString(16).slice(-4)}`;
  const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
  after(() => {
    sleeper.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('has what it left healed by the next one: chains removed, paused tasks resumed', async () => {
    const store = createStore(path.join(dir, 'flotilla.db'));
    const chain = `FLTF-${homeId}-dead01`;
    applyChain(chain, chainRules(chain, [], { kind: 'drop' }));
    applyChain(
      `FLTF-${homeId}-stray1`,
      chainRules(`FLTF-${homeId}-stray1`, [], { kind: 'loss', probability: 0.5 }),
    );
    process.kill(sleeper.pid!, 'SIGSTOP');
    const base = { tenant: 'a', targets: ['x'], createdAt: 1, healAt: null, healedAt: null, message: null };
    const left: FaultRecord[] = [
      {
        ...base,
        id: 'dead01',
        kind: 'partition',
        request: { kind: 'partition', from: ['x'], to: ['y'] },
        state: 'active',
        applied: { chain, mechanism: 'iptables' },
      },
      {
        ...base,
        id: 'dead02',
        kind: 'pause',
        request: { kind: 'pause', tasks: ['x'] },
        state: 'active',
        applied: { paused: ['a/x'], mechanism: 'SIGSTOP' },
      },
    ];
    for (const f of left) store.faults.put(f);
    assert.equal(chainsWithPrefix(`FLTF-${homeId}-`).length, 2);
    const published: string[] = [];
    const engine = new FaultEngine({
      faults: store.faults,
      tasks: store.tasks,
      signal: async (key, signal) => {
        if (key === 'a/x') process.kill(sleeper.pid!, signal);
      },
      restart: async () => undefined,
      publish: (_t, type, subject) => void published.push(`${type} ${subject}`),
      homeId,
      log: () => undefined,
    });
    assert.equal(await engine.recover(), 2);
    assert.deepEqual(chainsWithPrefix(`FLTF-${homeId}-`), []);
    const stat = fs.readFileSync(`/proc/${sleeper.pid}/stat`, 'utf8');
    assert.notEqual(stat[stat.lastIndexOf(')') + 2], 'T', 'resumed');
    assert.deepEqual(store.faults.listActive(), []);
    assert.match(store.faults.get('a', 'dead01')!.message!, /restarted/);
    assert.deepEqual(published.sort(), ['fault_healed dead01', 'fault_healed dead02']);
    assert.equal(
      spawnSync('iptables', ['-w', '-S', 'OUTPUT'], { encoding: 'utf8' }).stdout.includes(homeId),
      false,
    );
    store.close();
  });
});

describe('a daemon killed mid-fault, with a slow disk', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-faults-slow-'));
  const device = fs.existsSync(BLKIO_ROOT) ? blockDeviceOf(dir) : null;
  const homeId = `s${process.pid.toString(16).slice(-4)}`;
  const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
  after(() => {
    sleeper.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it(
    'has its throttle removed by the next one, its processes back at full speed, and a stray one too',
    { skip: (!root || !device) && 'needs root and a cgroup v1 blkio controller over a block device' },
    async () => {
      const store = createStore(path.join(dir, 'flotilla.db'));
      const [slow, stray] = [blkioDirOf(homeId, 'dead03'), blkioDirOf(homeId, 'stray2')];
      createThrottle(slow, device!, 64 * 1024);
      createThrottle(stray, device!, 64 * 1024);
      enterThrottle(slow, [sleeper.pid!]);
      assert.match(fs.readFileSync(`/proc/${sleeper.pid}/cgroup`, 'utf8'), /blkio:\/flotilla-fault-/);
      store.faults.put({
        id: 'dead03',
        tenant: 'a',
        kind: 'disk',
        request: { kind: 'disk', tasks: ['x'], mode: 'slow', rateKBps: 64 },
        targets: ['x'],
        state: 'active',
        applied: { blkio: { dir: slow, device: device! }, mechanism: 'blkio' },
        createdAt: 1,
        healAt: null,
        healedAt: null,
        message: null,
      });
      const engine = nextEngine(store, homeId);
      assert.equal(await engine.recover(), 1);
      assert.deepEqual(throttlesOf(homeId), []);
      assert.doesNotMatch(fs.readFileSync(`/proc/${sleeper.pid}/cgroup`, 'utf8'), /flotilla-fault-/);
      assert.deepEqual(store.faults.listActive(), []);
      store.close();
    },
  );
});

describe(
  'a daemon killed mid-fault, with a bandwidth limit and a full disk',
  { skip: !root && 'needs root' },
  () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-faults-kinds-'));
    const homeId = `u${process.pid.toString(16).slice(-4)}`;
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("has its htb classes removed and its volume's data copied back by the next one", async () => {
      const store = createStore(path.join(dir, 'flotilla.db'));
      const tc = addShaping(800, Math.random);
      const sandbox = path.join(dir, 'sandbox');
      fs.mkdirSync(path.join(sandbox, 'data'), { recursive: true });
      fs.writeFileSync(path.join(sandbox, 'data', 'kept'), 'before');
      const volume = mountVolume(volumeFor(sandbox, 'disk01'), volumeSource(homeId, 'disk01'));
      // Written on the volume while the fault was on (the filler made room for nothing bigger).
      fs.rmSync(path.join(sandbox, 'data', '.flotilla-disk-full'));
      fs.writeFileSync(path.join(sandbox, 'data', 'during'), 'on the volume');
      const base = {
        tenant: 'a',
        createdAt: 1,
        healAt: null,
        healedAt: null,
        message: null,
        state: 'active' as const,
      };
      const { classid, backClassid, mark } = tc;
      store.faults.put({
        ...base,
        id: 'band01',
        kind: 'bandwidth',
        targets: ['x', 'y'],
        request: { kind: 'bandwidth', from: ['x'], to: ['y'], rateKbit: 800 },
        applied: { tc: { classid, backClassid, mark }, mechanism: 'htb' },
      });
      store.faults.put({
        ...base,
        id: 'disk01',
        kind: 'disk',
        targets: ['x'],
        request: { kind: 'disk', tasks: ['x'] },
        applied: { volume, restarted: ['a/x'], mechanism: 'tmpfs' },
      });
      assert.notDeepEqual(shapingLeft(tc), []);
      const engine = nextEngine(store, homeId);
      assert.equal(await engine.recover(), 2);
      assert.deepEqual(shapingLeft(tc), [], 'the classes are gone');
      assert.deepEqual(mountsOf(volumeSource(homeId, '')), [], 'the volume is unmounted');
      assert.equal(fs.readFileSync(path.join(sandbox, 'data', 'kept'), 'utf8'), 'before');
      assert.equal(fs.readFileSync(path.join(sandbox, 'data', 'during'), 'utf8'), 'on the volume');
      assert.equal(fs.existsSync(volume.keep), false);
      assert.deepEqual(store.faults.listActive(), []);
      store.close();
    });
  },
);
