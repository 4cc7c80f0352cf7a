import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { stringify } from 'yaml';
import type { AppSpec } from '../core/app.js';
import { FlotillaError } from '../core/errors.js';
import { renderApp } from '../deploy/render-app.js';
import { isComposeFile, isComposeSource, parseCompose, type ComposeOptions } from './compose.js';
import { interpolateVariables, parseDotenv, parseDuration, parseMemory, splitWords } from './compose-text.js';
import { interpolate } from './interpolate.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-compose-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A Compose file from an object, parsed as stack "demo" from `dir`. */
function compose(doc: object, opts: ComposeOptions = {}) {
  return parseCompose(stringify(doc), { name: 'demo', directory: dir, ...opts });
}

/** The app of one service `web` with the given body (next to any `extra` top-level keys). */
function web(body: object, extra: object = {}, opts: ComposeOptions = {}): AppSpec {
  return compose({ services: { web: { image: 'nginx:1.27', ...body } }, ...extra }, opts).apps[0]!;
}

function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof FlotillaError, String(err));
    return `${err.code}: ${err.message}`;
  }
  return assert.fail('expected an error');
}

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
    assert.deepEqual(spec.services, []);
    assert.equal(spec.name, 'demo');
    const app = spec.apps[0]!;
    assert.equal(app.id, 'web');
    assert.equal(app.driver, 'docker');
    assert.deepEqual(app.args, []);
    assert.equal(app.cmd, undefined);
    assert.deepEqual(app.container, {
      image: 'nginx:1.27',
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
    const app = parseCompose(source, { name: 'demo' }).apps[0]!;
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

describe('command and entrypoint', () => {
  it('splits a string like a shell word list, without running a shell', () => {
    const app = web({ command: `sh -c 'echo "$$HOME" > /x' --flag="a b" c\\ d`, entrypoint: '/init --' });
    assert.deepEqual(app.args, ['sh', '-c', 'echo "$HOME" > /x', '--flag=a b', 'c d']);
    assert.deepEqual(app.container!.entrypoint, ['/init', '--']);
    assert.equal(app.container!.imageCommand, undefined);
  });

  it('takes a list as is (numbers as text)', () => {
    const app = web({ command: ['redis-server', '--port', 6380, 'a b'], entrypoint: [] });
    assert.deepEqual(app.args, ['redis-server', '--port', '6380', 'a b']);
    assert.deepEqual(app.container!.entrypoint, []);
  });

  it('splitWords handles quotes, escapes and empty words, and refuses unclosed quotes', () => {
    assert.deepEqual(splitWords(`a  'b c' "d \\"e\\" \\x" '' f\\ g`, 'p'), [
      'a',
      'b c',
      'd "e" \\x',
      '',
      'f g',
    ]);
    assert.deepEqual(splitWords('  ', 'p'), []);
    assert.match(
      failure(() => splitWords("echo 'oops", 'services.web.command')),
      /services\.web\.command: a single quote/,
    );
    assert.match(
      failure(() => splitWords('echo "oops', 'p')),
      /a double quote is not closed/,
    );
  });
});

describe('environment and env_file', () => {
  it('reads a mapping or a list; a bare KEY comes from the variables or is left out', () => {
    const variables = { FROM_SHELL: 'shell' };
    const map = web(
      { environment: { A: 1, B: true, C: 'x=y', FROM_SHELL: null, MISSING: null } },
      {},
      { variables },
    );
    assert.deepEqual(map.env, { A: '1', B: 'true', C: 'x=y', FROM_SHELL: 'shell' });
    const list = web({ environment: ['A=1', 'C=x=y', 'E=', 'FROM_SHELL', 'MISSING'] }, {}, { variables });
    assert.deepEqual(list.env, { A: '1', C: 'x=y', E: '', FROM_SHELL: 'shell' });
  });

  it('reads env files relative to the folder; environment wins; a required file must exist', () => {
    fs.writeFileSync(
      path.join(dir, 'app.env'),
      [
        '# settings',
        'PLAIN=one two # a comment',
        'export EXPORTED=yes',
        "SINGLE='kept $LITERAL # not a comment'",
        'DOUBLE="line\\nnext ${USER_NAME}"',
        'OVERRIDDEN=file',
        'BARE',
        '',
      ].join('\n'),
    );
    fs.writeFileSync(path.join(dir, 'more.env'), 'MORE=1\nPLAIN=second\n');
    const app = web(
      {
        env_file: ['app.env', './more.env', { path: 'absent.env', required: false }],
        environment: { OVERRIDDEN: 'environment' },
      },
      {},
      { variables: { USER_NAME: 'ann', BARE: 'from-variables' } },
    );
    assert.deepEqual(app.env, {
      PLAIN: 'second',
      EXPORTED: 'yes',
      SINGLE: 'kept $LITERAL # not a comment',
      DOUBLE: 'line\nnext ann',
      OVERRIDDEN: 'environment',
      BARE: 'from-variables',
      MORE: '1',
    });
    assert.equal(web({ env_file: 'more.env' }).env.MORE, '1');
    assert.match(
      failure(() => web({ env_file: 'absent.env' })),
      /^STACK_INVALID: services\.web\.env_file: cannot read .*absent\.env/,
    );
    assert.match(
      failure(() => parseDotenv('not a line\n', {}, 'f.env')),
      /f\.env:1: expected KEY=VALUE/,
    );
  });
});

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

  it('refuses addresses beyond loopback, ranges, other protocols and a host port given twice', () => {
    for (const p of ['0.0.0.0:8080:80', '192.168.1.5:8080:80', { target: 80, host_ip: '0.0.0.0' }]) {
      assert.match(
        failure(() => ports([p])),
        /^COMPOSE_UNSUPPORTED: services\.web\.ports\[0\].*loopback addresses only/,
      );
    }
    assert.match(
      failure(() => ports(['80', '9090-9091:8080-8081'])),
      /^COMPOSE_UNSUPPORTED: services\.web\.ports\[1\]: the port range/,
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

  it('refuses undeclared and anonymous volumes, other mount types and volume drivers', () => {
    assert.match(
      failure(() => web({ volumes: ['other:/x'] }, volumes)),
      /^STACK_INVALID: services\.web\.volumes\[0\]: the volume "other" is not declared/,
    );
    assert.match(
      failure(() => web({ volumes: ['/node_modules'] })),
      /^COMPOSE_UNSUPPORTED: services\.web\.volumes\[0\]: anonymous volumes/,
    );
    assert.match(
      failure(() => web({ volumes: [{ type: 'tmpfs', target: '/t' }] })),
      /^COMPOSE_UNSUPPORTED: services\.web\.volumes\[0\]\.type: "tmpfs"/,
    );
    assert.match(
      failure(() => web({ volumes: ['data:/x:rshared'] }, volumes)),
      /COMPOSE_UNSUPPORTED: .*volume option "rshared"/,
    );
    assert.match(
      failure(() => web({ volumes: ['data:relative'] }, volumes)),
      /must be absolute/,
    );
    assert.match(
      failure(() => web({}, { volumes: { data: { driver: 'nfs' } } })),
      /^COMPOSE_UNSUPPORTED: volumes\.data\.driver: the volume driver "nfs"/,
    );
    assert.match(
      failure(() => web({}, { volumes: { data: { external: true } } })),
      /^COMPOSE_UNSUPPORTED: volumes\.data\.external:/,
    );
    assert.match(
      failure(() =>
        web(
          { volumes: [{ type: 'volume', source: 'data', target: '/d', volume: { nocopy: true } }] },
          volumes,
        ),
      ),
      /COMPOSE_UNSUPPORTED: services\.web\.volumes\[0\]\.volume\.nocopy/,
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

  it('refuses undeclared networks, other drivers, external networks and addresses', () => {
    assert.match(
      failure(() => web({ networks: ['nope'] })),
      /^STACK_INVALID: services\.web\.networks\.nope: the network "nope" is not declared/,
    );
    assert.match(
      failure(() => web({}, { networks: { n: { driver: 'overlay' } } })),
      /^COMPOSE_UNSUPPORTED: networks\.n\.driver:/,
    );
    assert.match(
      failure(() => web({}, { networks: { n: { external: true } } })),
      /^COMPOSE_UNSUPPORTED: networks\.n\.external:/,
    );
    assert.match(
      failure(() => web({ networks: { n: { ipv4_address: '10.0.0.2' } } }, { networks: { n: null } })),
      /^COMPOSE_UNSUPPORTED: services\.web\.networks\.n\.ipv4_address:/,
    );
  });
});

describe('depends_on', () => {
  const two = (deps: unknown) =>
    compose({ services: { db: { image: 'db' }, web: { image: 'web', depends_on: deps } } });
  const webOf = (deps: unknown) => two(deps).apps.find((a) => a.id === 'web')!;

  it('a list means "started"; a mapping maps each condition', () => {
    assert.deepEqual(webOf(['db']).dependsOnCondition, { db: 'started' });
    assert.deepEqual(webOf(['db']).dependencies, ['db']);
    for (const [condition, expected] of [
      ['service_started', 'started'],
      ['service_healthy', 'ready'],
      ['service_completed_successfully', 'completed'],
    ]) {
      assert.deepEqual(webOf({ db: { condition } }).dependsOnCondition, { db: expected });
    }
    assert.deepEqual(webOf({ db: null }).dependsOnCondition, { db: 'started' });
    assert.equal(two([]).apps.find((a) => a.id === 'db')!.dependsOnCondition, undefined);
  });

  it('refuses unknown services, conditions and cycles; drops an absent optional one', () => {
    assert.match(
      failure(() => webOf(['cache'])),
      /^STACK_INVALID: services\.web\.depends_on: names "cache", which the file does not declare/,
    );
    assert.match(
      failure(() => webOf({ db: { condition: 'service_ready' } })),
      /depends_on\.db\.condition: must be/,
    );
    assert.match(
      failure(() => webOf({ db: { restart: true } })),
      /^COMPOSE_UNSUPPORTED: services\.web\.depends_on\.db\.restart/,
    );
    assert.deepEqual(webOf({ cache: { condition: 'service_started', required: false } }).dependencies, []);
    const cycle = {
      services: { a: { image: 'x', depends_on: ['b'] }, b: { image: 'x', depends_on: ['a'] } },
    };
    assert.match(
      failure(() => compose(cycle)),
      /^DEPENDENCY_CYCLE: .*a -> b -> a/,
    );
  });
});

describe('healthcheck', () => {
  const check = (healthcheck: object) => web({ healthcheck }).healthChecks;

  it('joins a CMD test into one shell command that gives back the same words', () => {
    // `$$` is Compose's literal `$`: the container's shell must see $HOME as text, not expand it.
    const words = ['printf', '%s|', "it's", 'a "b"', '$HOME', '`id`', '\\n', '*', '', "'; exit 1; '"];
    const [hc] = check({ test: ['CMD', ...words.map((w) => w.replace('$', '$$$$'))] });
    assert.equal(hc!.protocol, 'COMMAND');
    const out = execFileSync('/bin/sh', ['-c', hc!.command!], { encoding: 'utf8' });
    assert.equal(
      out,
      words
        .slice(2)
        .map((w) => `${w}|`)
        .join(''),
    );
  });

  it('runs CMD-SHELL and a plain string as written; NONE and disable turn it off', () => {
    assert.equal(
      check({ test: ['CMD-SHELL', 'pg_isready -U postgres || exit 1'] })[0]!.command,
      'pg_isready -U postgres || exit 1',
    );
    assert.equal(
      check({ test: 'curl -f http://localhost/ || exit 1' })[0]!.command,
      'curl -f http://localhost/ || exit 1',
    );
    assert.deepEqual(check({ test: ['NONE'] }), []);
    assert.deepEqual(check({ test: ['CMD', 'true'], disable: true }), []);
    assert.match(
      failure(() => check({ test: ['RUN', 'x'] })),
      /healthcheck\.test: must start with CMD, CMD-SHELL or NONE/,
    );
    assert.match(
      failure(() => check({ interval: '5s' })),
      /healthcheck\.test: is required/,
    );
  });

  it("maps Compose durations and retries; the grace period covers Docker's earliest unhealthy verdict", () => {
    const [hc] = check({
      test: 'true',
      interval: '1m30s',
      timeout: '500ms',
      start_period: '10s',
      retries: 5,
      start_interval: '1s',
    });
    assert.deepEqual(
      { ...hc, command: undefined },
      {
        protocol: 'COMMAND',
        portIndex: 0,
        command: undefined,
        gracePeriodSeconds: 10 + 90 * 5,
        intervalSeconds: 90,
        timeoutSeconds: 0.5,
        maxConsecutiveFailures: 5,
      },
    );
    const [d] = check({ test: 'true' });
    assert.deepEqual(
      [d!.intervalSeconds, d!.timeoutSeconds, d!.maxConsecutiveFailures, d!.gracePeriodSeconds],
      [30, 30, 3, 90],
    );
    assert.match(
      failure(() => check({ test: 'true', interval: 'soon' })),
      /healthcheck\.interval: "soon" is not a duration/,
    );
  });

  it('parses durations and sizes', () => {
    assert.deepEqual(
      ['10s', '1m30s', '500ms', '1h', '1.5s', '2m3s4ms', 7, '0'].map((d) => parseDuration(d, 'p')),
      [10, 90, 0.5, 3600, 1.5, 123.004, 7, 0],
    );
    assert.deepEqual(
      ['512m', '1g', '1GB', '2048k', '1.5G', 1048576, '100MiB'].map((m) => parseMemory(m, 'p')),
      [512, 1024, 1024, 2, 1536, 1, 100],
    );
    assert.match(
      failure(() => parseMemory('lots', 'services.web.mem_limit')),
      /services\.web\.mem_limit: "lots" is not a size/,
    );
  });
});

describe('restart, deploy and resources', () => {
  it('maps restart policies', () => {
    const policy = (restart: unknown) => web({ restart }).restart;
    assert.deepEqual(['no', 'always', 'unless-stopped', 'on-failure', 'on-failure:3'].map(policy), [
      'no',
      'always',
      'always',
      'on-failure',
      'on-failure',
    ]);
    assert.match(
      failure(() => policy('sometimes')),
      /services\.web\.restart: "sometimes" is not a restart policy/,
    );
    assert.equal(
      web({ deploy: { restart_policy: { condition: 'on-failure', delay: '5s', max_attempts: 3 } } }).restart,
      'on-failure',
    );
    assert.equal(
      web({ deploy: { restart_policy: { condition: 'on-failure', delay: '5s' } } }).backoffSeconds,
      5,
    );
    assert.equal(
      web({ restart: 'always', deploy: { restart_policy: { condition: 'none' } } }).restart,
      'always',
    );
  });

  it('maps replicas and resource limits (reservations when there are no limits)', () => {
    const app = web({
      deploy: {
        replicas: 3,
        resources: { limits: { cpus: '1.5', memory: '1g' }, reservations: { cpus: 0.25, memory: '256m' } },
      },
    });
    assert.deepEqual([app.instances, app.cpus, app.mem], [3, 1.5, 1024]);
    const reserved = web({ deploy: { resources: { reservations: { cpus: 0.25, memory: '256M' } } } });
    assert.deepEqual([reserved.cpus, reserved.mem], [0.25, 256]);
    const legacy = web({ scale: 2, cpus: 2, mem_limit: '768m' });
    assert.deepEqual([legacy.instances, legacy.cpus, legacy.mem], [2, 2, 768]);
    assert.match(
      failure(() => web({ scale: 2, deploy: { replicas: 3 } })),
      /services\.web\.scale: is 2 but deploy\.replicas is 3/,
    );
    assert.match(
      failure(() => web({ deploy: { mode: 'global' } })),
      /^COMPOSE_UNSUPPORTED: services\.web\.deploy\.mode/,
    );
    assert.match(
      failure(() => web({ deploy: { placement: { constraints: ['node.role==manager'] } } })),
      /^COMPOSE_UNSUPPORTED: services\.web\.deploy\.placement: Flotilla places tasks itself/,
    );
    assert.match(
      failure(() => web({ deploy: { resources: { limits: { pids: 10 } } } })),
      /COMPOSE_UNSUPPORTED: services\.web\.deploy\.resources\.limits\.pids/,
    );
  });

  it('maps working_dir, user, labels, stop_grace_period and init', () => {
    const app = web({
      working_dir: '/srv',
      user: '1000:1000',
      labels: ['a=1', 'b'],
      stop_grace_period: '1m',
      init: true,
    });
    assert.equal(app.container!.workdir, '/srv');
    assert.equal(app.container!.user, '1000:1000');
    assert.equal(app.container!.imageUser, undefined);
    assert.deepEqual(app.labels, { a: '1', b: '' });
    assert.equal(app.taskKillGracePeriodSeconds, 60);
    assert.deepEqual(web({ labels: { 'com.example.team': 'data' } }).labels, { 'com.example.team': 'data' });
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
  const ids = (profiles?: string[]) => compose(file, { profiles }).apps.map((a) => a.id);

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

describe('interpolation', () => {
  const vars = { TAG: '1.27', EMPTY: '', PORT: '8081', N: '2' };
  const interp = (s: string) => interpolateVariables(s, vars, 'p');

  it('substitutes every form Compose knows', () => {
    assert.equal(interp('nginx:${TAG}'), 'nginx:1.27');
    assert.equal(interp('$TAG-$NOPE.'), '1.27-.');
    assert.equal(interp('${EMPTY:-d} ${EMPTY-d} ${UNSET-d} ${UNSET:-d}'), 'd  d d');
    assert.equal(interp('${TAG:+set} ${EMPTY:+set} ${EMPTY+set} ${UNSET+set}.'), 'set  set .');
    assert.equal(interp('${UNSET:-${ALSO_UNSET:-${TAG}}}'), '1.27');
    assert.equal(interp('$$TAG $${TAG} cost $5 a$ $'), '$TAG ${TAG} cost $5 a$ $');
    assert.equal(interp('${EMPTY?ok}'), '');
  });

  it('refuses a missing required variable with its message, naming the key', () => {
    assert.match(
      failure(() => web({ environment: { PASSWORD: '${DB_PASSWORD:?set DB_PASSWORD first}' } })),
      /^STACK_INVALID: services\.web\.environment\.PASSWORD: the variable DB_PASSWORD is required: set DB_PASSWORD first/,
    );
    assert.match(
      failure(() => interp('${EMPTY:?}')),
      /the variable EMPTY is required$/,
    );
    assert.match(
      failure(() => interp('${TAG')),
      /without its closing/,
    );
    assert.match(
      failure(() => interp('${TAG/a/b}')),
      /is not a variable Compose can interpolate/,
    );
  });

  it('interpolates every value, numbers included, from variables over the folder .env', () => {
    const folder = fs.mkdtempSync(path.join(dir, 'dotenv-'));
    fs.writeFileSync(path.join(folder, '.env'), 'TAG=from-dotenv\nREPLICAS=2\nHOST_PORT=${PORT}0\n');
    const app = compose(
      {
        services: {
          web: {
            image: 'nginx:${TAG}',
            ports: ['${HOST_PORT}:80'],
            deploy: { replicas: '${REPLICAS}' },
            command: 'serve --name ${NAME:-anon}',
          },
        },
      },
      { directory: folder, variables: { TAG: '1.27', PORT: '808' } },
    ).apps[0]!;
    assert.equal(app.container!.image, 'nginx:1.27');
    assert.deepEqual(app.ports, [8080]);
    assert.equal(app.instances, 2);
    assert.deepEqual(app.args, ['serve', '--name', 'anon']);
  });

  it("leaves x- blocks alone, and keeps a Compose-literal ${svc.field} away from Flotilla's references", () => {
    const app = compose({
      'x-unused': { value: '${REQUIRED:?never read}' },
      services: {
        web: { image: 'x', environment: { URL: 'http://$${db.host}:5432', ESC: '$$$${db.host}' } },
      },
    }).apps[0]!;
    const resolved = interpolate(app, new Map([['db', { host: 'resolved' }]]), 'apps.web');
    assert.deepEqual(resolved.env, { URL: 'http://${db.host}:5432', ESC: '$${db.host}' });
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

describe('a realistic file, rendered into launch specs', () => {
  const source = `
name: shop
services:
  db:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: \${DB_PASSWORD:-secret}
      POSTGRES_DB: shop
    volumes:
      - pgdata:/var/lib/postgresql/data
    ports:
      - "127.0.0.1:5432:5432"
    healthcheck:
      test: ["CMD", "pg_isready", "-U", "postgres", "-d", "shop"]
      interval: 5s
      timeout: 3s
      retries: 10
      start_period: 10s
    restart: unless-stopped
  migrate:
    build:
      context: ./app
    command: ["npm", "run", "migrate"]
    environment:
      DATABASE_URL: postgres://postgres:\${DB_PASSWORD:-secret}@db:5432/shop
    depends_on:
      db:
        condition: service_healthy
  app:
    build: ./app
    image: shop/app:dev
    command: npm start
    environment:
      DATABASE_URL: postgres://postgres:\${DB_PASSWORD:-secret}@db:5432/shop
      PORT: "3000"
    ports:
      - "3000"
    depends_on:
      db:
        condition: service_healthy
      migrate:
        condition: service_completed_successfully
    deploy:
      replicas: 2
      resources:
        limits: { cpus: "1", memory: 256m }
    restart: on-failure
volumes:
  pgdata: {}
`;

  it('maps the whole file', () => {
    assert.equal(isComposeSource(source), true);
    const spec = parseCompose(source, { directory: dir, variables: { DB_PASSWORD: 'hunter2' } });
    assert.equal(spec.name, 'shop');
    assert.deepEqual(
      spec.apps.map((a) => a.id),
      ['db', 'migrate', 'app'],
    );
    const [db, migrate, app] = spec.apps as [AppSpec, AppSpec, AppSpec];
    assert.deepEqual(db.env, { POSTGRES_PASSWORD: 'hunter2', POSTGRES_DB: 'shop' });
    assert.equal(db.restart, 'always');
    assert.equal(db.healthChecks[0]!.command, "'pg_isready' '-U' 'postgres' '-d' 'shop'");
    assert.equal(db.healthChecks[0]!.gracePeriodSeconds, 60);
    assert.deepEqual(migrate.container!.build, { context: path.join(dir, 'app') });
    assert.equal(migrate.container!.image, 'shop-migrate:latest');
    assert.equal(migrate.restart, 'no');
    assert.deepEqual(migrate.dependsOnCondition, { db: 'ready' });
    assert.deepEqual(app.dependencies, ['db', 'migrate']);
    assert.deepEqual(app.dependsOnCondition, { db: 'ready', migrate: 'completed' });
    assert.deepEqual([app.instances, app.cpus, app.mem, app.restart], [2, 1, 256, 'on-failure']);
    assert.equal(app.container!.image, 'shop/app:dev');
    assert.deepEqual(app.args, ['npm', 'start']);
  });

  it('renders container launch specs: ports filled in, instance aliases, no host env', () => {
    const spec = parseCompose(source, { directory: dir });
    const db = spec.apps[0]!;
    const app = spec.apps[2]!;
    const launch = renderApp(app, { taskId: 'app.1', host: '127.0.1.2', ports: [31005], index: 1 });
    assert.equal(launch.driver, 'docker');
    assert.deepEqual(launch.args, ['npm', 'start']);
    assert.deepEqual(launch.env, {
      MARATHON_APP_ID: '/app',
      MESOS_TASK_ID: 'app.1',
      DATABASE_URL: 'postgres://postgres:secret@db:5432/shop',
      PORT: '3000',
    });
    assert.deepEqual(launch.container!.publish, [{ containerPort: 3000, hostPort: 31005, protocol: 'tcp' }]);
    assert.deepEqual(launch.container!.aliases, ['app', 'app-1']);
    assert.equal(launch.restart, 'on-failure');
    assert.deepEqual(launch.dependsOnCondition, { db: 'ready', migrate: 'completed' });
    assert.deepEqual(launch.dependsOn, ['db', 'migrate']);
    const dbLaunch = renderApp(db, { taskId: 'db.0', host: '127.0.1.1', ports: [5432], index: 0 });
    assert.equal(dbLaunch.container!.imageCommand, true);
    assert.deepEqual(dbLaunch.args, []);
    assert.deepEqual(dbLaunch.container!.publish, [
      { containerPort: 5432, hostPort: 5432, protocol: 'tcp', hostIp: '127.0.0.1' },
    ]);
    assert.deepEqual(dbLaunch.container!.mounts, [
      { type: 'volume', source: 'pgdata', target: '/var/lib/postgresql/data', readOnly: false },
    ]);
  });

  it('keeps the Marathon environment of a process app', () => {
    const launch = renderApp(
      {
        id: 'web',
        cmd: 'serve',
        env: { A: '1' },
        instances: 1,
        cpus: 1,
        mem: 128,
        disk: 0,
        ports: [0],
        requirePorts: false,
        healthChecks: [],
        backoffSeconds: 1,
        backoffFactor: 1.15,
        maxLaunchDelaySeconds: 300,
        taskKillGracePeriodSeconds: 3,
        dependencies: [],
        labels: {},
        constraints: [],
      },
      { taskId: 'web.0', host: '127.0.1.1', ports: [31000], index: 0 },
    );
    assert.deepEqual(launch.env, {
      MARATHON_APP_ID: '/web',
      MESOS_TASK_ID: 'web.0',
      HOST: '127.0.1.1',
      PORTS: '31000',
      PORT0: '31000',
      PORT: '31000',
      A: '1',
    });
    assert.equal(launch.container, undefined);
    assert.equal(launch.driver, undefined);
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
      assert.equal(ok.apps[0]!.container!.mounts[0]!.source, path.join(root, 'site'));
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
