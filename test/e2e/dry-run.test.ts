import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { TestHome } from '../helpers/flotilla.js';

const examples = fs
  .readdirSync('examples')
  .filter((f) => f.endsWith('.yml'))
  .sort();

/** `up --dry-run` through the CLI and a real daemon: the diff is printed, nothing starts, nothing is stored. */
describe('flotilla up --dry-run', () => {
  const home = new TestHome();
  after(async () => {
    assert.equal(await home.cleanup(), 0);
  });

  /** The daemon's own pid is the only process of the home, and it stores no stack or task. */
  const nothingRuns = async () => {
    const daemon = home.daemonInfo()!.pid;
    assert.deepEqual(home.processes(), [daemon], 'no task process was started');
    assert.deepEqual(await home.client().listTasks(), []);
    assert.deepEqual(await home.client().listStacks(), []);
  };

  for (const file of examples) {
    it(`prints the plan of examples/${file} and changes nothing`, async () => {
      const out = await home.ok(['up', '-f', `examples/${file}`, '--dry-run']);
      assert.match(out, /^stack [a-z0-9-]+: \d+ to create, 0 to change, 0 to remove, 0 unchanged/);
      assert.match(out, /^\+ \S+ \((service|app)\) create$/m);
      assert.match(out, /^ {4}\+ \S+ {2}node-\d+ 127\.0\.10\.\d+(:\d+(,\d+)*)? {2}create$/m);
      await nothingRuns();
    });
  }

  it('shows which tasks a changed option restarts, and leaves the running ones alone', async () => {
    await home.ok(['up', '-f', 'examples/redis-app.yml', '--wait', '--timeout', '120'], 150_000);
    const pids = (await home.client().listTasks()).map((t) => t.pid);
    const changed = path.join(home.home, 'redis-app.yml');
    fs.writeFileSync(
      changed,
      fs.readFileSync('examples/redis-app.yml', 'utf8').replace('maxmemory: 64mb', 'maxmemory: 96mb'),
    );
    const out = await home.ok(['up', '-f', changed, '--dry-run']);
    assert.match(out, /1 to change, 0 to remove, 1 unchanged/);
    assert.match(out, /^~ cache \(service\) update: options\.maxmemory$/m);
    assert.match(out, /^ {4}~ cache\.redis-0 .* restart: spec\./m);
    assert.match(out, /^ {4}~ cache\.redis-1 .* restart: spec\./m);
    assert.match(out, /^= heartbeat \(app\) unchanged$/m);
    assert.match(out, /^ {4}= heartbeat\.0 .* keep$/m);
    const json = JSON.parse(await home.ok(['up', '-f', changed, '--dry-run', '--json'])) as {
      owners: { name: string; action: string }[];
    };
    assert.deepEqual(
      json.owners.map((o) => `${o.name}:${o.action}`),
      ['cache:update', 'heartbeat:unchanged'],
    );
    assert.deepEqual(
      (await home.client().listTasks()).map((t) => t.pid),
      pids,
      'nothing was restarted',
    );
    assert.match(
      (await home.client().getService('cache')).options.maxmemory as string,
      /64mb/,
      'nothing was stored',
    );
  });
});
