import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlotillaError } from '../core/errors.js';
import { loadConfig, parseLabels } from './config.js';

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err instanceof FlotillaError ? `${err.code}: ${err.message}` : String(err);
  }
  return 'no error';
};

describe('daemon settings', () => {
  it('listens beyond loopback only with authentication on', () => {
    assert.equal(loadConfig({ FLOTILLA_LISTEN: '0.0.0.0:4740' }).auth, true);
    assert.match(
      code(() => loadConfig({ FLOTILLA_LISTEN: '0.0.0.0:4740', FLOTILLA_AUTH: 'off' })),
      /^AUTH_REQUIRED/,
    );
    assert.equal(loadConfig({ FLOTILLA_LISTEN: '127.0.0.1:4740', FLOTILLA_AUTH: 'off' }).auth, false);
    assert.match(
      code(() => loadConfig({ FLOTILLA_AUTH: 'maybe' })),
      /^VALIDATION_FAILED: FLOTILLA_AUTH/,
    );
  });

  it('refuses a listen address it cannot listen on, coded (issue 16, defect 5)', () => {
    for (const listen of ['garbage:xx', '127.0.0.1:70000', '127.0.0.1:', 'a b:80', ':-1']) {
      assert.match(
        code(() => loadConfig({ FLOTILLA_LISTEN: listen })),
        /^VALIDATION_FAILED: FLOTILLA_LISTEN=.*HOST:PORT/,
        listen,
      );
    }
    assert.match(
      code(() => loadConfig({ FLOTILLA_DNS_LISTEN: '127.0.0.1:dns' })),
      /^VALIDATION_FAILED: FLOTILLA_DNS_LISTEN/,
    );
    assert.equal(loadConfig({ FLOTILLA_LISTEN: ':0' }).port, 0);
    assert.equal(loadConfig({ FLOTILLA_LISTEN: '[::1]:4741' }).host, '::1');
  });

  it('publishes container ports without an address where FLOTILLA_PUBLISH_IP says, coded when it is no address', () => {
    assert.equal(loadConfig({}).publishIp, undefined);
    assert.equal(loadConfig({ FLOTILLA_PUBLISH_IP: '0.0.0.0' }).publishIp, '0.0.0.0');
    assert.equal(loadConfig({ FLOTILLA_PUBLISH_IP: '::' }).publishIp, '::');
    assert.match(
      code(() => loadConfig({ FLOTILLA_PUBLISH_IP: 'everywhere' })),
      /^VALIDATION_FAILED: FLOTILLA_PUBLISH_IP=everywhere: give an IP address/,
    );
  });

  it('reads what each virtual node offers, and its labels', () => {
    const c = loadConfig({
      FLOTILLA_NODES: '4',
      FLOTILLA_NODE_CPUS: '3',
      FLOTILLA_NODE_MEM: '2048',
      FLOTILLA_PORT_RANGE: '20000-20099',
    });
    assert.deepEqual([c.nodeOffer.cpus, c.nodeOffer.mem, c.nodeOffer.ports], [3, 2048, 100]);
    assert.deepEqual(parseLabels('1:zone=a,rack=r1; 2:zone=b'), {
      1: { zone: 'a', rack: 'r1' },
      2: { zone: 'b' },
    });
    assert.match(
      code(() => parseLabels('zone=a')),
      /N:key=value/,
    );
    assert.match(
      code(() => loadConfig({ FLOTILLA_NODE_MEM: '-1' })),
      /FLOTILLA_NODE_MEM=-1/,
    );
  });
});
