import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { isFlotillaError } from '../core/errors.js';
import { parseApp } from './app.js';

/** DC/OS's classic demo app, as its docs publish it. */
const CD_DEMO_APP = {
  id: '/cd-demo-app',
  instances: 1,
  cpus: 0.25,
  mem: 128,
  container: {
    type: 'DOCKER',
    docker: {
      image: 'mesosphere/cd-demo-app:latest',
      network: 'BRIDGE',
      portMappings: [{ containerPort: 80, hostPort: 0, servicePort: 10000, protocol: 'tcp' }],
      forcePullImage: true,
    },
  },
  healthChecks: [{ protocol: 'HTTP', portIndex: 0, path: '/', gracePeriodSeconds: 5, intervalSeconds: 20 }],
  labels: { HAPROXY_GROUP: 'external' },
};

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    if (isFlotillaError(err)) return `${err.code}: ${err.message}`;
    throw err;
  }
  return 'accepted';
};

describe('Marathon container apps', () => {
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-app-container-'));
  const tenant = { allowedRoot: data };
  after(() => fs.rmSync(data, { recursive: true, force: true }));

  it("runs DC/OS's cd-demo-app on the Docker driver, its image's command, a host port assigned", () => {
    const app = parseApp(CD_DEMO_APP, 'app', tenant);
    assert.equal(app.id, 'cd-demo-app');
    assert.equal(app.driver, 'docker');
    assert.deepEqual(app.args, []);
    assert.deepEqual(app.ports, [0]);
    assert.deepEqual(app.servicePorts, [10000]);
    assert.equal(app.container?.image, 'mesosphere/cd-demo-app:latest');
    assert.equal(app.container?.imageCommand, true);
    assert.equal(app.container?.pullPolicy, 'always');
    assert.deepEqual(app.container?.publish, [{ containerPort: 80, hostPort: 0, protocol: 'tcp' }]);
    assert.equal(app.healthChecks[0]?.protocol, 'HTTP');
  });

  it("publishes each mapping where the daemon says (FLOTILLA_PUBLISH_IP), else on the task's node", () => {
    const app = parseApp(CD_DEMO_APP, 'app', { ...tenant, publishIp: '0.0.0.0' });
    assert.deepEqual(app.container?.publish, [
      { containerPort: 80, hostPort: 0, protocol: 'tcp', hostIp: '0.0.0.0' },
    ]);
  });

  it("takes Marathon 1.5's container-level portMappings and networks, args, volumes and parameters", () => {
    const app = parseApp(
      {
        id: 'cache',
        args: ['redis-server', '--port', '6379'],
        networks: [{ mode: 'container/bridge' }],
        container: {
          type: 'MESOS',
          docker: { image: 'redis:7', parameters: [{ key: 'hostname', value: 'cache-host' }] },
          portMappings: [{ containerPort: 6379, hostPort: 31000 }],
          volumes: [{ containerPath: '/data', hostPath: 'redis', mode: 'RW' }],
        },
      },
      'app',
      tenant,
    );
    assert.deepEqual(app.args, ['redis-server', '--port', '6379']);
    assert.equal(app.container?.imageCommand, undefined);
    assert.deepEqual(app.ports, [31000]);
    assert.equal(app.container?.hostname, 'cache-host');
    assert.deepEqual(app.container?.mounts, [
      { type: 'bind', source: path.join(data, 'redis'), target: '/data', readOnly: false },
    ]);
  });

  it('refuses what would reach outside a tenant, for a caller that is not a cluster admin', () => {
    const privileged = { id: 'x', container: { docker: { image: 'x', privileged: true } } };
    assert.match(
      codeOf(() => parseApp(privileged, 'app', tenant)),
      /^SECURITY_REFUSED: app\.container\.docker\.privileged/,
    );
    assert.equal(parseApp(privileged, 'app', {}).container?.engine?.privileged, true, 'a cluster admin may');
    const outside = {
      id: 'x',
      container: {
        docker: { image: 'x' },
        volumes: [{ containerPath: '/etc2', hostPath: '/etc', mode: 'RO' }],
      },
    };
    assert.match(
      codeOf(() => parseApp(outside, 'app', tenant)),
      /^PERMISSION_DENIED: .*container\.volumes\[0\]\.hostPath/,
    );
    const parameter = {
      id: 'x',
      container: { docker: { image: 'x', parameters: [{ key: 'cap-add', value: 'ALL' }] } },
    };
    assert.match(
      codeOf(() => parseApp(parameter, 'app', {})),
      /^APP_FIELD_UNSUPPORTED: .*"cap-add"/,
    );
  });

  it("puts a cluster admin's HOST app on the machine's network, its portDefinitions its ports", () => {
    const host = {
      id: 'x',
      cmd: 'serve --port $PORT0',
      portDefinitions: [{ port: 0 }, { port: 0 }],
      container: { docker: { image: 'x', network: 'HOST' } },
    };
    const app = parseApp(host, 'app', {});
    assert.equal(app.container?.hostNetwork, true);
    assert.deepEqual(app.ports, [0, 0]);
    assert.deepEqual(app.container?.publish, []);
    const v15 = {
      id: 'y',
      args: ['serve'],
      networks: [{ mode: 'host' }],
      container: { type: 'MESOS', docker: { image: 'y' } },
    };
    assert.equal(parseApp(v15, 'app', {}).container?.hostNetwork, true);
    const mapped = {
      ...host,
      portDefinitions: [],
      container: { docker: { image: 'x', network: 'HOST', portMappings: [{ containerPort: 80 }] } },
    };
    assert.match(
      codeOf(() => parseApp(mapped, 'app', {})),
      /^APP_INVALID: .*portMappings: are for BRIDGE and USER networks/,
    );
  });

  it('refuses host networking to a tenant, NONE to anyone, and a container where no caller access is known (a stack file app)', () => {
    const host = { id: 'x', container: { docker: { image: 'x', network: 'HOST' } } };
    assert.match(
      codeOf(() => parseApp(host, 'app', tenant)),
      /^SECURITY_REFUSED: app\.container\.docker\.network: HOST .*only a cluster admin/,
    );
    assert.match(
      codeOf(() => parseApp({ ...host, container: { docker: { image: 'x', network: 'NONE' } } }, 'app', {})),
      /^APP_FIELD_UNSUPPORTED: app\.container\.docker\.network: "NONE"/,
    );
    assert.match(
      codeOf(() => parseApp(CD_DEMO_APP)),
      /^APP_FIELD_UNSUPPORTED: app\.container/,
    );
  });
});
