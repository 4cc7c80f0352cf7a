import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reachRules } from './host-reach.js';

describe('containers reaching process tasks', () => {
  it("DNATs each of the tenant's process ports to the daemon's port on the gateway, and masquerades a loopback source", () => {
    const rules = reachRules('FLT-abcde-R', [
      { host: '127.0.10.2', port: 20001, via: '172.18.0.1', viaPort: 41234 },
      { host: '127.0.10.3', port: 20001, via: '172.18.0.1', viaPort: 41235 },
    ]);
    assert.equal(
      rules,
      [
        '*nat',
        ':FLT-abcde-R - [0:0]',
        ':FLT-abcde-RS - [0:0]',
        '-F FLT-abcde-R',
        '-F FLT-abcde-RS',
        '-A FLT-abcde-R -d 127.0.10.2/32 -p tcp --dport 20001 -j DNAT --to-destination 172.18.0.1:41234',
        '-A FLT-abcde-R -d 127.0.10.3/32 -p tcp --dport 20001 -j DNAT --to-destination 172.18.0.1:41235',
        '-A FLT-abcde-RS -s 127.0.0.0/8 ! -o lo -j MASQUERADE',
        'COMMIT',
        '',
      ].join('\n'),
    );
  });
});
