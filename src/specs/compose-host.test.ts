import { appsOf } from '../core/declaration.js';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { FlotillaError } from '../core/errors.js';
import { parseCompose } from './compose.js';
import { dir, failure, warningsOf, web } from './compose-testing.js';

describe('ports', () => {
  const ports = (list: unknown[]) => {
    const app = web({ ports: list });
    return { hostPorts: app.ports, publish: app.container!.publish };
  };

  it('maps the short syntax: host port or 0 (assigned), loopback address, protocol', () => {
    assert.deepEqual(
      ports(['8080:80', '127.0.0.1:5433:5432', '80', 9000, '53:53/udp', '127.0.0.2::81', '[::1]:8443:443']),
      {
        hostPorts: [8080, 5433, 0, 0, 53, 0, 8443],
        publish: [
          { containerPort: 80, hostPort: 8080, protocol: 'tcp' },
          { containerPort: 5432, hostPort: 5433, protocol: 'tcp', hostIp: '127.0.0.1' },
          { containerPort: 80, hostPort: 0, protocol: 'tcp' },
          { containerPort: 9000, hostPort: 0, protocol: 'tcp' },
          { containerPort: 53, hostPort: 53, protocol: 'udp' },
          { containerPort: 81, hostPort: 0, protocol: 'tcp', hostIp: '127.0.0.2' },
          { containerPort: 443, hostPort: 8443, protocol: 'tcp', hostIp: '::1' },
        ],
      },
    );
  });

  it('maps the long syntax', () => {
    assert.deepEqual(
      ports([
        { target: 80, published: '8080', host_ip: '127.0.0.1', protocol: 'tcp', mode: 'host', name: 'web' },
        { target: 5353, protocol: 'udp' },
      ]),
      {
        hostPorts: [8080, 0],
        publish: [
          { containerPort: 80, hostPort: 8080, protocol: 'tcp', hostIp: '127.0.0.1' },
          { containerPort: 5353, hostPort: 0, protocol: 'udp' },
        ],
      },
    );
  });

  it('publishes a port written without an address where the daemon says (FLOTILLA_PUBLISH_IP), and says nothing of loopback then', () => {
    const everywhere = { publishIp: '0.0.0.0' };
    const app = web({ ports: ['8080:80', '127.0.0.1::81', { target: 82 }] }, {}, everywhere);
    assert.deepEqual(app.container!.publish, [
      { containerPort: 80, hostPort: 8080, protocol: 'tcp', hostIp: '0.0.0.0' },
      { containerPort: 81, hostPort: 0, protocol: 'tcp', hostIp: '127.0.0.1' },
      { containerPort: 82, hostPort: 0, protocol: 'tcp', hostIp: '0.0.0.0' },
    ]);
    const notes = (opts: object) =>
      (
        parseCompose('services:\n  web:\n    image: nginx:1.27\n    ports: ["80"]\n', opts).warnings ?? []
      ).filter((w) => w.startsWith('ports: '));
    assert.equal(notes({ name: 'shop' }).length, 1);
    assert.deepEqual(notes({ ...everywhere, name: 'shop' }), []);
  });

  it('publishes on the address written; expands ranges; refuses other protocols and a host port given twice', () => {
    assert.deepEqual(ports(['0.0.0.0:8080:80', { target: 81, host_ip: '192.168.1.5' }]).publish, [
      { containerPort: 80, hostPort: 8080, protocol: 'tcp', hostIp: '0.0.0.0' },
      { containerPort: 81, hostPort: 0, protocol: 'tcp', hostIp: '192.168.1.5' },
    ]);
    assert.deepEqual(ports(['9090-9091:8080-8081', '127.0.0.1::7000-7001/udp']).publish, [
      { containerPort: 8080, hostPort: 9090, protocol: 'tcp' },
      { containerPort: 8081, hostPort: 9091, protocol: 'tcp' },
      { containerPort: 7000, hostPort: 0, protocol: 'udp', hostIp: '127.0.0.1' },
      { containerPort: 7001, hostPort: 0, protocol: 'udp', hostIp: '127.0.0.1' },
    ]);
    assert.match(
      failure(() => ports(['1.2.3:80:80'])),
      /STACK_INVALID: .*"1\.2\.3" is not an IP address/,
    );
    assert.match(
      failure(() => ports(['9000-9002:80-81'])),
      /the host range and the container range differ/,
    );
    assert.match(
      failure(() => ports([{ target: 80, published: '8000-8010' }])),
      /ports\[0\]\.published: the port range/,
    );
    assert.match(
      failure(() => ports(['80/sctp'])),
      /COMPOSE_UNSUPPORTED: .*the protocol "sctp"/,
    );
    assert.match(
      failure(() => ports(['53:53/tcp', '53:53/udp'])),
      /ports\[1\]: host port 53 is published twice/,
    );
    assert.match(
      failure(() => ports(['70000:80'])),
      /^STACK_INVALID: services\.web\.ports\[0\]: must be between 0 and 65535/,
    );
    assert.match(
      failure(() => ports([{ published: 80 }])),
      /ports\[0\]\.target: is required/,
    );
    assert.match(
      failure(() => ports(['a:b:c:d'])),
      /STACK_INVALID/,
    );
  });

  it('accepts expose (every port is reachable on the stack network anyway)', () => {
    assert.deepEqual(web({ expose: ['3000', 4000] }).container!.publish, []);
  });
});

describe('volumes', () => {
  const volumes = { volumes: { data: null, cache: { driver: 'local', labels: { a: 'b' } } } };

  it('maps the short syntax: relative, absolute and home paths as binds, names as volumes', () => {
    const app = web(
      { volumes: ['./conf:/etc/app:ro', '/var/log:/logs', '~/x:/x:rw,z', 'data:/data'] },
      volumes,
    );
    assert.deepEqual(app.container!.mounts, [
      { type: 'bind', source: path.join(dir, 'conf'), target: '/etc/app', readOnly: true },
      { type: 'bind', source: '/var/log', target: '/logs', readOnly: false },
      { type: 'bind', source: path.join(os.homedir(), 'x'), target: '/x', readOnly: false },
      { type: 'volume', source: 'data', target: '/data', readOnly: false },
    ]);
  });

  it('maps the long syntax', () => {
    const app = web(
      {
        volumes: [
          {
            type: 'bind',
            source: '../shared',
            target: '/shared',
            read_only: true,
            bind: { create_host_path: true },
          },
          { type: 'volume', source: 'cache', target: '/cache' },
          { source: 'data', target: '/data' },
        ],
      },
      volumes,
    );
    assert.deepEqual(app.container!.mounts, [
      { type: 'bind', source: path.resolve(dir, '../shared'), target: '/shared', readOnly: true },
      { type: 'volume', source: 'cache', target: '/cache', readOnly: false },
      { type: 'volume', source: 'data', target: '/data', readOnly: false },
    ]);
  });

  it('mounts anonymous volumes and tmpfs; refuses undeclared volumes; warns of what it ignores', () => {
    assert.match(
      failure(() => web({ volumes: ['other:/x'] }, volumes)),
      /^STACK_INVALID: services\.web\.volumes\[0\]: the volume "other" is not declared/,
    );
    assert.deepEqual(
      web({ volumes: ['/node_modules', { type: 'tmpfs', target: '/t', tmpfs: { size: '64m' } }] }).container!
        .mounts,
      [
        { type: 'volume', source: 'anon-node-modules', target: '/node_modules', readOnly: false },
        { type: 'tmpfs', source: '', target: '/t', readOnly: false, tmpfsOptions: 'size=64m' },
      ],
    );
    assert.match(
      failure(() => web({ volumes: ['data:relative'] }, volumes)),
      /must be absolute/,
    );
    assert.deepEqual(
      warningsOf(
        {
          volumes: [
            'data:/x:rshared',
            { type: 'volume', source: 'data', target: '/d', volume: { nocopy: true } },
          ],
        },
        { volumes: { data: { driver: 'nfs', external: true } } },
      ),
      [
        'volumes.data.driver: the volume driver "nfs" is ignored: volumes are local to this engine',
        'volumes.data.external: an existing volume is not used: the stack creates its own "data"',
        'services.web.volumes[0]: the volume option "rshared" is ignored (only ro and rw are used)',
        'services.web.volumes[1].volume.nocopy: the image content is copied into a new volume',
      ],
    );
  });
});

describe('networks and names', () => {
  it('turns network aliases, hostname and container_name into DNS aliases of the one stack network', () => {
    const extra = { networks: { front: null, back: { driver: 'bridge' } } };
    const app = web(
      {
        networks: { front: { aliases: ['www', 'site'] }, back: null, default: null },
        hostname: 'web-host',
        container_name: 'my-web',
      },
      extra,
    );
    assert.deepEqual(app.container!.aliases, ['www', 'site', 'web-host', 'my-web']);
    assert.deepEqual(web({ networks: ['front', 'back'] }, extra).container!.aliases, []);
  });

  it('refuses undeclared networks; warns of other drivers, external networks and addresses', () => {
    assert.match(
      failure(() => web({ networks: ['nope'] })),
      /^STACK_INVALID: services\.web\.networks\.nope: the network "nope" is not declared/,
    );
    assert.deepEqual(
      warningsOf(
        { networks: { n: { ipv4_address: '10.0.0.2' } } },
        { networks: { n: { driver: 'overlay', external: true } } },
      ),
      [
        'networks.n.driver: the network driver "overlay" is ignored: a stack has one bridge network',
        'networks.n.external: an existing network is not used: the stack creates its own "n"',
        'services.web.networks.n.ipv4_address: the engine assigns addresses',
      ],
    );
  });
});

describe('compose host paths for callers that are not cluster admins', () => {
  it('keeps bind mounts, env files and build contexts inside the allowed folder', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-compose-root-'));
    try {
      fs.writeFileSync(path.join(root, 'app.env'), 'A=1\n');
      fs.symlinkSync('/etc', path.join(root, 'escape'));
      const file = (extra: string) => `services:\n  web:\n    image: nginx\n    ${extra}\n`;
      const ok = parseCompose(file('volumes: ["./site:/usr/share/nginx/html"]\n    env_file: app.env'), {
        name: 'shop',
        directory: root,
        allowedRoot: root,
      });
      assert.equal(appsOf(ok)[0]!.container!.mounts[0]!.source, path.join(root, 'site'));
      for (const extra of [
        'volumes: ["/etc:/host"]',
        'env_file: /etc/hostname',
        'volumes: ["./escape:/x"]',
      ]) {
        assert.throws(
          () => parseCompose(file(extra), { name: 'shop', directory: root, allowedRoot: root }),
          (err: unknown) => err instanceof FlotillaError && err.code === 'PERMISSION_DENIED',
          extra,
        );
      }
      assert.throws(
        () => parseCompose(file('init: true'), { name: 'shop', directory: '/etc', allowedRoot: root }),
        (err: unknown) => err instanceof FlotillaError && err.code === 'PERMISSION_DENIED',
      );
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
