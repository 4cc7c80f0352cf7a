import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { PortReservations } from './port-reservations.js';
import { PortAllocator } from './ports.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-ports-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

const HOST = '127.0.10.1';
/** As a plan sees the machine: nothing binds these ports yet, the tasks have not started. */
const free = async () => true;

function home(name: string): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** The allocator a daemon of `homeDir` makes, reserving in the machine-wide folder `dir`. */
function allocatorOf(dir: string, homeDir: string): PortAllocator {
  return new PortAllocator([30000, 30003], free, 30000, new PortReservations(dir, homeDir));
}

describe('port allocation across homes', () => {
  it('two homes racing for one small range never get the same port on the same address', async () => {
    const dir = path.join(root, 'race');
    const a = allocatorOf(dir, home('a'));
    const b = allocatorOf(dir, home('b'));
    const [pa, pb] = await Promise.all([
      a.allocate(HOST, [0, 0], [], new Set(), 'a'),
      b.allocate(HOST, [0, 0], [], new Set(), 'b'),
    ]);
    assert.equal(new Set([...pa, ...pb]).size, 4, `a got ${pa}, b got ${pb}`);
    await assert.rejects(a.allocate(HOST, [0], [], new Set(pa), 'a'), /PORTS_EXHAUSTED|no free port/);
    // A fixed port another home holds is refused as in use; on another address it is free.
    await assert.rejects(a.allocate(HOST, [pb[0]!], [], new Set(), 'a'), /PORT_IN_USE|in use/);
    assert.deepEqual(await a.allocate('127.0.10.2', [pb[0]!], [], new Set(), 'a'), [pb[0]]);
  });

  it('gives back what no task holds, and reclaims what a deleted home held', async () => {
    const dir = path.join(root, 'release');
    const a = allocatorOf(dir, home('c'));
    const gone = home('gone');
    const b = allocatorOf(dir, gone);
    const pa = await a.allocate(HOST, [0, 0], [], new Set(), 'a');
    const pb = await b.allocate(HOST, [0, 0], [], new Set(), 'b');
    // a's first task was removed; its second keeps its port.
    a.release(new Map([[HOST, new Set([pa[1]!])]]));
    fs.rmSync(gone, { recursive: true });
    const c = allocatorOf(dir, home('d'));
    const pc = await c.allocate(HOST, [0, 0, 0], [], new Set(), 'c');
    assert.deepEqual(new Set(pc), new Set([pa[0], ...pb]));
    await assert.rejects(c.allocate(HOST, [0], [], new Set(pc), 'c'), /no free port/);
  });
});
