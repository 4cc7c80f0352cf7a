import { appsOf, servicesOf } from '../core/declaration.js';
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { isComposeFile, isComposeSource, parseCompose } from './compose.js';
import { compose, dir, failure, web } from './compose-testing.js';

describe('recognising a Compose file', () => {
  it('tells Compose files from Flotilla stacks', () => {
    assert.equal(isComposeFile({ services: { web: { image: 'nginx' } } }), true);
    assert.equal(isComposeFile({ services: { web: { build: '.' } } }), true);
    assert.equal(isComposeFile({ version: '3.8', services: { web: { extends: 'x' } } }), true);
    assert.equal(isComposeFile({ services: { cache: { package: 'redis' } } }), false);
    assert.equal(isComposeFile({ services: { cache: { package: 'redis', image: 'x' } } }), false);
    assert.equal(isComposeFile({ services: {}, apps: { web: { cmd: 'x' } } }), false);
    assert.equal(isComposeFile({ apps: { web: { cmd: 'x' } } }), false);
    assert.equal(isComposeFile(null), false);
    assert.equal(isComposeSource('services:\n  web:\n    image: nginx\n'), true);
    assert.equal(isComposeSource('services: [unclosed\n'), false);
  });
});

describe('a minimal service', () => {
  it("runs the image's own command as the image's user in its WORKDIR, with Compose's defaults", () => {
    const spec = compose({ services: { web: { image: 'nginx:1.27' } } });
    assert.deepEqual(servicesOf(spec), []);
    assert.equal(spec.name, 'demo');
    const app = appsOf(spec)[0]!;
    assert.equal(app.id, 'web');
    assert.equal(app.driver, 'docker');
    assert.deepEqual(app.args, []);
    assert.equal(app.cmd, undefined);
    assert.deepEqual(app.container, {
      image: 'nginx:1.27',
      imageHealthcheck: true,
      imageCommand: true,
      aliases: [],
      publish: [],
      mounts: [],
      imageWorkdir: true,
      imageUser: true,
    });
    assert.deepEqual(
      [app.instances, app.cpus, app.mem, app.restart, app.taskKillGracePeriodSeconds],
      [1, 0.5, 512, 'no', 10],
    );
    assert.deepEqual([app.ports, app.healthChecks, app.dependencies, app.env], [[], [], [], {}]);
  });

  it('takes the top-level name, else the request name; refuses invalid names', () => {
    assert.equal(compose({ name: 'shop', services: { web: { image: 'x' } } }).name, 'shop');
    assert.match(
      failure(() => parseCompose(stringify({ services: { web: { image: 'x' } } }))),
      /^STACK_INVALID: name: is required/,
    );
    assert.match(
      failure(() => compose({ name: 'My_Shop', services: { web: { image: 'x' } } })),
      /STACK_INVALID: name: "My_Shop"/,
    );
    assert.match(
      failure(() => compose({ services: { Web_1: { image: 'x' } } })),
      /^STACK_INVALID: services\.Web_1: "Web_1" is not a valid name/,
    );
    assert.match(
      failure(() => compose({ services: { web: {} } })),
      /services\.web: needs an image or a build/,
    );
  });

  it('ignores version and x- extensions, and follows YAML anchors and merge keys', () => {
    const source = [
      "version: '3.8'",
      'x-common: &common',
      '  restart: always',
      '  environment:',
      '    TZ: UTC',
      'services:',
      '  web:',
      '    <<: *common',
      '    image: nginx',
      '    x-note: anything',
      '',
    ].join('\n');
    const app = appsOf(parseCompose(source, { name: 'demo' }))[0]!;
    assert.equal(app.restart, 'always');
    assert.deepEqual(app.env, { TZ: 'UTC' });
  });
});

describe('image and build', () => {
  it('builds into <stack>-<service>:latest from a context relative to the folder', () => {
    const built = web({ image: undefined, build: './app' });
    assert.equal(built.container!.image, 'demo-web:latest');
    assert.deepEqual(built.container!.build, { context: path.join(dir, 'app') });
    const full = web({
      image: 'me/web:2',
      build: { context: '.', dockerfile: 'Dockerfile.dev', args: { VERSION: '2', FROM_ENV: null } },
    });
    assert.equal(full.container!.image, 'me/web:2');
    assert.deepEqual(full.container!.build, {
      context: dir,
      dockerfile: 'Dockerfile.dev',
      args: { VERSION: '2' },
    });
    const withVar = web({ build: { args: ['FROM_ENV', 'X=1'] } }, {}, { variables: { FROM_ENV: 'e' } });
    assert.deepEqual(withVar.container!.build, { context: dir, args: { FROM_ENV: 'e', X: '1' } });
  });

  it('refuses remote contexts, unknown build keys, and relative paths without a folder', () => {
    assert.match(
      failure(() => web({ build: 'https://github.com/x/y.git' })),
      /^COMPOSE_UNSUPPORTED: services\.web\.build\.context: a remote build context/,
    );
    assert.match(
      failure(() => web({ build: { target: 'dev' } })),
      /^COMPOSE_UNSUPPORTED: services\.web\.build\.target:/,
    );
    assert.match(
      failure(() => parseCompose(stringify({ services: { web: { build: '.' } } }), { name: 'demo' })),
      /^STACK_INVALID: services\.web\.build\.context: the relative path "\." needs the folder/,
    );
  });
});

describe('profiles', () => {
  const file = {
    services: {
      web: { image: 'web' },
      debug: { image: 'debug', profiles: ['debug'] },
      tools: { image: 'tools', profiles: ['tools', 'debug'] },
      uses: { image: 'u', profiles: ['extra'], depends_on: ['debug'] },
    },
  };
  const ids = (profiles?: string[]) => appsOf(compose(file, { profiles })).map((a) => a.id);

  it('runs a service with profiles only when one of them is active', () => {
    assert.deepEqual(ids(), ['web']);
    assert.deepEqual(ids(['debug']), ['web', 'debug', 'tools']);
    assert.deepEqual(ids(['tools']), ['web', 'tools']);
    assert.deepEqual(ids(['debug', 'extra']), ['web', 'debug', 'tools', 'uses']);
  });

  it('refuses a dependency on a service whose profile is off, saying which to enable', () => {
    assert.match(
      failure(() => ids(['extra'])),
      /services\.uses\.depends_on: names "debug", which runs only with the profile debug: add --profile debug/,
    );
  });
});

describe('unsupported keys', () => {
  it('names the path of every key Flotilla cannot honour', () => {
    const service: [string, unknown][] = [
      ['privileged', true],
      ['cap_add', ['NET_ADMIN']],
      ['cap_drop', ['ALL']],
      ['network_mode', 'host'],
      ['pid', 'host'],
      ['ipc', 'host'],
      ['devices', ['/dev/fuse']],
      ['secrets', ['token']],
      ['configs', ['conf']],
      ['extends', { service: 'base' }],
      ['links', ['db']],
      ['security_opt', ['seccomp:unconfined']],
      ['tty', true],
      ['logging', { driver: 'syslog' }],
      ['extra_hosts', ['a:1.2.3.4']],
      ['dns', ['8.8.8.8']],
      ['ulimits', { nofile: 1024 }],
      ['tmpfs', ['/run']],
      ['platform', 'linux/arm64'],
      ['stop_signal', 'SIGINT'],
      ['sysctls', { 'net.core.somaxconn': 1024 }],
      ['shm_size', '1g'],
    ];
    for (const [key, value] of service) {
      assert.match(
        failure(() => web({ [key]: value })),
        new RegExp(`^COMPOSE_UNSUPPORTED: services\\.web\\.${key}: .*docs/compose\\.md`),
        key,
      );
    }
    assert.equal(web({ pull_policy: 'never' }).container?.pullPolicy, 'never');
    assert.equal(web({ pull_policy: 'if_not_present' }).container?.pullPolicy, 'missing');
    assert.equal(web({}).container?.pullPolicy, undefined, 'missing by default');
    assert.match(
      failure(() => web({ pull_policy: 'sometimes' })),
      /services\.web\.pull_policy: is "sometimes"/,
    );
    assert.equal(web({ healthcheck: { disable: true } }).container?.imageHealthcheck, undefined);
    assert.match(
      failure(() => web({ privileged: true })),
      /services\.web\.privileged: containers run unprivileged/,
    );
    assert.match(
      failure(() => web({}, { secrets: { token: { file: './t' } } })),
      /^COMPOSE_UNSUPPORTED: secrets: /,
    );
    assert.match(
      failure(() => web({}, { configs: { c: { file: './c' } } })),
      /^COMPOSE_UNSUPPORTED: configs: /,
    );
    assert.match(
      failure(() => web({}, { include: ['other.yml'] })),
      /^COMPOSE_UNSUPPORTED: include: /,
    );
    assert.match(
      failure(() => web({ healthcheck: { test: 'true', retries_max: 1 } })),
      /services\.web\.healthcheck\.retries_max/,
    );
  });

  it('accepts a key whose value asks for nothing', () => {
    assert.equal(web({ privileged: false, cap_add: [], tty: false, links: null }).id, 'web');
  });
});
