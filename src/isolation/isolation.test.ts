import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Firewall, firewallRules, type PortClaim } from './firewall.js';
import { homeIdOf, Identities, removeHomeUsers } from './identity.js';
import { parseListeners } from './listeners.js';

describe('firewall rules', () => {
  const uid = (t: string) => ({ a: 200_000, b: 200_001 })[t];
  const rules = firewallRules(
    'FLT-abcde',
    [200_000, 299_999],
    [
      { tenant: 'a', host: '127.0.10.1', port: 2001, protocol: 'tcp' },
      { tenant: 'b', host: '127.0.10.1', port: 2002, protocol: 'tcp' },
      { tenant: 'a', host: '127.0.53.1', port: 53, protocol: 'udp' },
      // Not Flotilla's to police: another address, an unknown tenant, a second claim of one port.
      { tenant: 'a', host: '10.0.0.1', port: 2003, protocol: 'tcp' },
      { tenant: 'zz', host: '127.0.10.1', port: 2004, protocol: 'tcp' },
      { tenant: 'b', host: '127.0.10.1', port: 2001, protocol: 'tcp' },
    ],
    uid,
  ).split('\n');

  it('passes replies and everything not started by a tenant, first', () => {
    assert.deepEqual(rules.slice(0, 5), [
      '*filter',
      ':FLT-abcde - [0:0]',
      '-F FLT-abcde',
      '-A FLT-abcde -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN',
      '-A FLT-abcde -m owner ! --uid-owner 200000-299999 -j RETURN',
    ]);
  });

  it("refuses each claimed loopback port to every tenant's uid but its owner's, and touches nothing else", () => {
    assert.deepEqual(rules.slice(5), [
      '-A FLT-abcde -d 127.0.10.1/32 -p tcp -m multiport --dports 2001 -m owner ! --uid-owner 200000 -j REJECT --reject-with tcp-reset',
      '-A FLT-abcde -d 127.0.10.1/32 -p tcp -m multiport --dports 2002 -m owner ! --uid-owner 200001 -j REJECT --reject-with tcp-reset',
      '-A FLT-abcde -d 127.0.53.1/32 -p udp -m multiport --dports 53 -m owner ! --uid-owner 200000 -j REJECT',
      'COMMIT',
      '',
    ]);
  });

  it("groups an owner's ports on one address, fifteen to a rule", () => {
    const many = Array.from({ length: 20 }, (_, i) => ({
      tenant: 'a',
      host: '127.0.10.2',
      port: 3000 + i,
      protocol: 'tcp' as const,
    }));
    const grouped = firewallRules('FLT-x', [1, 2], many, () => 7)
      .split('\n')
      .filter((l) => l.includes('multiport'));
    assert.deepEqual(
      grouped.map((l) => /--dports (\S+)/.exec(l)![1]!.split(',').length),
      [15, 5],
    );
  });
});

describe('tenant users', () => {
  it('are named per home and tenant, at most 32 characters', () => {
    const ids = new Identities('users', '/var/lib/flotilla');
    const id = homeIdOf('/var/lib/flotilla');
    assert.match(id, /^[0-9a-f]{5}$/);
    assert.equal(ids.nameOf('acme'), `flt-acme-${id}`);
    assert.notEqual(homeIdOf('/tmp/other-home'), id);
    const long = ids.nameOf('a'.repeat(40));
    assert.ok(long.length <= 32, long);
    assert.notEqual(long, ids.nameOf(`${'a'.repeat(39)}b`), 'two long names stay apart');
  });

  it(
    'are made even where an earlier attempt left the group without its user',
    { skip: process.getuid?.() !== 0 && 'needs root' },
    async () => {
      const home = `/tmp/flotilla-orphan-group-${process.pid}`;
      const ids = new Identities('users', home);
      const name = ids.nameOf('acme');
      execFileSync('groupadd', ['--gid', '299998', name]);
      try {
        const user = await ids.ensure('acme');
        assert.equal(user?.name, name);
        assert.match(fs.readFileSync('/etc/passwd', 'utf8'), new RegExp(`^${name}:`, 'm'));
      } finally {
        await removeHomeUsers(home);
        spawnSync('groupdel', [name]);
      }
      assert.doesNotMatch(fs.readFileSync('/etc/group', 'utf8'), new RegExp(`^${name}:`, 'm'));
    },
  );

  it(
    'are made once when asked for twice at once',
    { skip: process.getuid?.() !== 0 && 'needs root' },
    async () => {
      const home = `/tmp/flotilla-twice-${process.pid}`;
      const ids = new Identities('users', home);
      try {
        const [a, b] = await Promise.all([ids.ensure('acme'), ids.ensure('acme')]);
        assert.ok(a);
        assert.deepEqual(b, a);
        assert.deepEqual(ids.userOf('acme'), a);
      } finally {
        await removeHomeUsers(home);
      }
    },
  );

  it(
    "are all made when several homes' daemons add users at once",
    { skip: process.getuid?.() !== 0 && 'needs root' },
    async () => {
      // Each groupadd and useradd takes /etc/group's or /etc/passwd's own lock and fails at once
      // when another holds it: without one lock for every home, some of these lost twenty times.
      const homes = [1, 2, 3, 4].map((n) => `/tmp/flotilla-many-${process.pid}-${n}`);
      const tenants = ['acme', 'globex', 'initech'];
      const groups = () => fs.readFileSync('/etc/group', 'utf8');
      try {
        const made = await Promise.all(
          homes.flatMap((home) => {
            const ids = new Identities('users', home);
            return tenants.map((t) => ids.ensure(t));
          }),
        );
        assert.equal(new Set(made.map((u) => u?.uid)).size, homes.length * tenants.length);
        for (const u of made) {
          assert.ok(u);
          assert.equal(u.gid, u.uid);
          assert.match(groups(), new RegExp(`^${u.name}:x:${u.gid}:`, 'm'));
        }
      } finally {
        for (const home of homes) await removeHomeUsers(home);
      }
      for (const home of homes)
        assert.doesNotMatch(groups(), new RegExp(`^flt-\\w+-${homeIdOf(home)}:`, 'm'));
    },
  );

  it('are none when the daemon does not isolate', async () => {
    const ids = new Identities('none', '/tmp/x');
    assert.equal(ids.userOf('acme'), undefined);
    assert.equal(await ids.ensure('acme'), undefined);
  });
});

describe("tenants' listening sockets", () => {
  const TCP = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 010A007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 200001        0 1 1',
    '   1: 00000000:04D2 00000000:0000 0A 00000000:00000000 00:00000000 00000000 200002        0 2 1',
    // Connected, not listening; the daemon's own; another address than loopback.
    '   2: 010A007F:1F91 020A007F:2000 01 00000000:00000000 00:00000000 00000000 200001        0 3 1',
    '   3: 0100007F:1F92 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4 1',
    '   4: 0100000A:1F93 00000000:0000 0A 00000000:00000000 00:00000000 00000000 200001        0 5 1',
  ].join('\n');

  it('finds the loopback and every-address listeners of uids in the range, and nothing else', () => {
    assert.deepEqual(parseListeners(TCP, 'tcp', [200_000, 299_999]), [
      { uid: 200_001, host: '127.0.10.1', port: 8080, protocol: 'tcp' },
      { uid: 200_002, host: '127.0.0.0/8', port: 1234, protocol: 'tcp' },
    ]);
  });

  it('keeps a port bound to every address from other tenants on the whole loopback', () => {
    const rules = firewallRules(
      'FLT-abcde',
      [200_000, 299_999],
      [{ tenant: 'b', host: '127.0.0.0/8', port: 1234, protocol: 'tcp' }],
      () => 200_002,
    );
    assert.match(
      rules,
      /-A FLT-abcde -d 127\.0\.0\.0\/8 -p tcp -m multiport --dports 1234 -m owner ! --uid-owner 200002 -j REJECT/,
    );
  });
});

describe('a shared service in the rules', () => {
  it('lets each tenant it is shared with pass before the rule that refuses the others', () => {
    const uid = (t: string) => ({ a: 200_000, b: 200_001, c: 200_002 })[t];
    const rules = firewallRules(
      'FLT-abcde',
      [200_000, 299_999],
      [{ tenant: 'a', host: '127.0.10.1', port: 2001, protocol: 'tcp', sharedWith: ['c', 'b', 'a', 'zz'] }],
      uid,
    ).split('\n');
    assert.deepEqual(rules.slice(5, 8), [
      '-A FLT-abcde -d 127.0.10.1/32 -p tcp -m multiport --dports 2001 -m owner --uid-owner 200001 -j RETURN',
      '-A FLT-abcde -d 127.0.10.1/32 -p tcp -m multiport --dports 2001 -m owner --uid-owner 200002 -j RETURN',
      '-A FLT-abcde -d 127.0.10.1/32 -p tcp -m multiport --dports 2001 -m owner ! --uid-owner 200000 -j REJECT --reject-with tcp-reset',
    ]);
  });
});

describe('the firewall of a home', () => {
  it(
    'writes its syncs one at a time, the newest last, and writes nothing once closed',
    { skip: (process.getuid?.() !== 0 || !Firewall.available()) && 'needs root and iptables' },
    async () => {
      const fw = new Firewall(`FLT-t${process.pid % 10000}`, [200_000, 299_999]);
      const claim = (port: number): PortClaim => ({ tenant: 'a', host: '127.0.0.1', port, protocol: 'tcp' });
      try {
        // Asked back to back, as commits and socket scans ask: both resolve, and the rules are the last.
        await Promise.all([fw.sync([claim(41001)], () => 200_001), fw.sync([claim(41002)], () => 200_001)]);
        const rules = fw.listed().join('\n');
        assert.match(rules, /--dports 41002 /);
        assert.doesNotMatch(rules, /41001/);
        // A sync under way when the home's tasks stop does not bring the chain back after it.
        const late = fw.sync([claim(41003)], () => 200_001);
        await fw.close();
        await late;
        assert.deepEqual(fw.listed(), []);
      } finally {
        fw.remove();
      }
    },
  );
});
