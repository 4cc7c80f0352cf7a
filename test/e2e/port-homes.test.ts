import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { TestHome } from '../helpers/flotilla.js';

const STACK = `
name: ports
apps:
  holder:
    cmd: exec sleep 3600
    instances: 2
    ports: [0]
    cpus: 0.1
    mem: 16
`;

/**
 * Three homes on one machine with the same six-port range, applying at once: their tasks have not
 * bound anything yet when the others plan, so only the machine-wide reservations keep them apart
 * (without them, each daemon starts at a random port of the range and they collide 17 times in 18).
 */
describe('ports across homes', () => {
  const reservations = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-reservations-'));
  const lo = 45000 + Math.floor(Math.random() * 100) * 6;
  const homes = [new TestHome(), new TestHome(), new TestHome()];
  for (const h of homes) {
    h.env.FLOTILLA_PORT_RANGE = `${lo}-${lo + 5}`;
    h.env.FLOTILLA_PORT_RESERVATIONS = reservations;
    h.env.FLOTILLA_NODES = '1';
  }
  after(async () => {
    for (const h of homes) assert.equal(await h.cleanup(), 0);
    assert.deepEqual(
      fs.readdirSync(reservations).filter((n) => !n.startsWith('.')),
      [],
      'all given back',
    );
    fs.rmSync(reservations, { recursive: true, force: true });
  });

  it('never hand the same port on the same address to two of them', async () => {
    // Every `up` ends before the test does, failed or not: cleanup must not race a CLI still starting its daemon.
    const ups = await Promise.allSettled(
      homes.map((h) => {
        const file = path.join(h.home, 'ports.yml');
        fs.writeFileSync(file, STACK);
        return h.ok(['up', '-f', file]);
      }),
    );
    for (const up of ups) if (up.status === 'rejected') throw up.reason;
    const held = (await Promise.all(homes.map((h) => h.client().listTasks()))).map((tasks) =>
      tasks.flatMap((t) => t.ports.map((p) => `${t.host}:${p}`)),
    );
    for (const ports of held) assert.equal(ports.length, 2);
    assert.equal(new Set(held.flat()).size, 6, `the homes got ${held.map((p) => p.join(',')).join(' / ')}`);
  });
});
