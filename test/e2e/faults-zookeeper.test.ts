import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fourLetters } from '../../src/faults/leader.js';
import { homeIdOf } from '../../src/isolation/identity.js';
import { startInProcessDaemon, type InProcessDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/flotilla.js';

const root = process.getuid?.() === 0;

describe('kill the leader of a real ZooKeeper ensemble', { skip: !root && 'needs a root daemon' }, () => {
  let d: InProcessDaemon;
  before(async () => {
    d = await startInProcessDaemon('faults-zk', 51000);
    await d.admin.applyStack(
      'zk',
      'name: zk\nservices:\n  zk: { package: zookeeper, options: { servers: 3 } }\n',
    );
    await waitFor(async () => (await d.admin.getStack('zk')).status === 'ready', 240_000, 'the ensemble');
  });
  after(async () => {
    await d.stop();
    const rules = ['filter', 'nat'].map((t) =>
      execFileSync('iptables', ['-w', '-t', t, '-S'], { encoding: 'utf8' }),
    );
    assert.doesNotMatch(rules.join('\n'), new RegExp(`FLTF-${homeIdOf(d.home)}`));
  });

  const modes = async () => {
    const tasks = await d.admin.listTasks();
    const out = new Map<string, string>();
    for (const t of tasks.filter((x) => x.owner === 'zk')) {
      const text = await fourLetters(t.host, t.ports[0]!, 'srvr');
      out.set(t.id, text?.match(/^Mode: (\w+)/m)?.[1] ?? 'down');
    }
    return out;
  };

  it('names the server that says it leads, kills it, and another is elected', async () => {
    const before = await waitFor(
      async () => {
        const m = await modes();
        return [...m.values()].includes('leader') ? m : null;
      },
      30_000,
      'a leader',
    );
    const leader = [...before].find(([, mode]) => mode === 'leader')![0];
    const pid = (await d.admin.getTask(leader)).pid;
    const f = await d.admin.injectFault({ kind: 'kill', service: 'zk', pick: 'leader' });
    assert.deepEqual(f.targets, [leader]);
    await waitFor(
      async () => {
        const m = await modes();
        const now = [...m].find(([, mode]) => mode === 'leader')?.[0];
        const t = await d.admin.getTask(leader);
        return now !== undefined && t.pid !== pid && t.state === 'healthy';
      },
      120_000,
      'a new leader, and the old one relaunched',
    );
  });
});
