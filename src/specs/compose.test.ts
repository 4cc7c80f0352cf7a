import { appsOf, servicesOf } from '../core/declaration.js';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { isComposeFile, isComposeSource } from '../core/compose-format.js';
import { parseCompose } from './compose.js';
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
      compose: { project: 'demo', service: 'web' },
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
    // A project name as Compose derives it (lowercase, no dots), made DNS-safe: `_` becomes `-`.
    assert.equal(compose({ name: 'My_Shop.v2', services: { web: { image: 'x' } } }).name, 'my-shopv2');
    assert.match(
      failure(() => compose({ services: { _web: { image: 'x' } } })),
      /^STACK_INVALID: services\._web: "_web" is not a valid Compose name/,
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

  it('refuses remote contexts, typos of build keys, and relative paths without a folder; warns of ignored ones', () => {
    assert.match(
      failure(() => web({ build: 'https://github.com/x/y.git' })),
      /^COMPOSE_UNSUPPORTED: services\.web\.build\.context: a remote build context/,
    );
    assert.deepEqual(compose({ services: { web: { build: { context: '.', target: 'dev' } } } }).warnings, [
      'services.web.build.target: the Dockerfile is built to its last stage',
    ]);
    assert.match(
      failure(() => web({ build: { contxt: '.' } })),
      /^COMPOSE_KEY_UNKNOWN: services\.web\.build\.contxt: "contxt" is not a Compose key; did you mean "context"\?/,
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

describe('keys Compose knows and Flotilla ignores', () => {
  it('accepts them with one warning line each, naming the key and what is ignored', () => {
    const spec = compose({
      services: {
        web: {
          image: 'nginx',
          tty: true,
          platform: 'linux/arm64',
          links: ['db'],
          network_mode: 'host',
          mac_address: '02:42:ac:11:00:02',
          deploy: { placement: { constraints: ['node.role==manager'] } },
        },
      },
    });
    assert.deepEqual(spec.warnings, [
      'services.web.tty: containers run without a TTY (logs are kept as lines)',
      "services.web.platform: the engine's own platform runs",
      'services.web.links: services reach each other by service name anyway; link aliases are not added',
      "services.web.network_mode: every service joins its stack's one network",
      'services.web.mac_address: the engine assigns MAC addresses',
      'services.web.deploy.placement: Flotilla places tasks itself',
    ]);
  });

  it('refuses a key Compose does not know, with the closest valid key', () => {
    assert.match(
      failure(() => web({ enviroment: { A: '1' } })),
      /^COMPOSE_KEY_UNKNOWN: services\.web\.enviroment: .*did you mean "environment"\?/,
    );
    assert.match(
      failure(() => web({ healthcheck: { test: 'true', retires: 1 } })),
      /services\.web\.healthcheck\.retires: .*did you mean "retries"/,
    );
    assert.match(
      failure(() => compose({ service: {} })),
      /^COMPOSE_KEY_UNKNOWN: service: .*"services"/,
    );
    assert.match(
      failure(() => web({ zzzzzzzz: 1 })),
      /"zzzzzzzz" is not a Compose key$/,
    );
  });

  it('accepts a key whose value asks for nothing, without a warning', () => {
    const spec = compose({ services: { web: { image: 'x', tty: false, links: [], platform: '' } } });
    assert.equal(spec.warnings, undefined);
  });
});

describe('names as Compose allows them', () => {
  it('maps them to DNS-safe ids, keeps the written name as an alias, and refuses a collision', () => {
    const spec = compose({
      services: { cassandra_db: { image: 'c' }, 'app.v2': { image: 'a', depends_on: ['cassandra_db'] } },
    });
    const [db, app] = appsOf(spec);
    assert.deepEqual([db!.id, app!.id], ['cassandra-db', 'app-v2']);
    assert.deepEqual(db!.container!.aliases, ['cassandra_db']);
    assert.deepEqual(app!.dependencies, ['cassandra-db']);
    assert.match(
      failure(() => compose({ services: { kafka_1: { image: 'k' }, 'kafka.1': { image: 'k' } } })),
      /^COMPOSE_NAME_COLLISION: services\.kafka\.1: "kafka\.1" and "kafka_1" both become "kafka-1"/,
    );
  });
});

describe('include and extends', () => {
  it('refuses a service declared both in the file and in what it includes, and an extends cycle', () => {
    fs.writeFileSync(path.join(dir, 'inc.yml'), 'services:\n  web:\n    image: other\n');
    assert.match(
      failure(() => compose({ include: ['inc.yml'], services: { web: { image: 'x' } } })),
      /^STACK_INVALID: include\[0\]: the service "web" is declared both here and in inc\.yml/,
    );
    assert.match(
      failure(() =>
        compose({ services: { a: { image: 'x', extends: 'b' }, b: { image: 'y', extends: 'a' } } }),
      ),
      /^STACK_INVALID: services\.a\.extends: extends itself through a → b → a/,
    );
  });
});
